/**
 * The trainable top on a tiny backbone of the same shape as MobileNet's tail (… → 1x1 conv → BN →
 * ReLU6): the split folds BatchNorm exactly, the hand-written gradients equal tfjs's own, fitting
 * learns, and the exported stock-layer model computes exactly what training measured.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../training/src/backend.ts';
import { splitBackbone } from '../../training/src/model/backbone.ts';
import { composeModel } from '../../training/src/model/compose.ts';
import { createTop, disposeTop, fitTop, logits, pool, predictTop, DEFAULT_TOP, type RowSet } from '../../training/src/model/top.ts';

function tinyBackbone(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: 'c1', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'c1_bn', epsilon: 1e-3 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ maxValue: 6, name: 'c1_relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 6, kernelSize: 1, useBias: false, name: 'pw', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'pw_bn', epsilon: 1e-3 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ maxValue: 6, name: 'pw_relu' }).apply(x) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: x, name: 'tiny' });
  // Non-trivial BatchNorm statistics, so folding them is really tested.
  for (const name of ['c1_bn', 'pw_bn']) {
    const l = m.getLayer(name);
    const n = (l.getWeights()[0]!.shape as number[])[0]!;
    l.setWeights([tf.randomUniform([n], 0.5, 1.5, 'float32', 3), tf.randomUniform([n], -0.3, 0.3, 'float32', 4), tf.randomUniform([n], -0.2, 0.2, 'float32', 5), tf.randomUniform([n], 0.5, 2, 'float32', 6)]);
  }
  return m;
}

describe('the trainable top', () => {
  beforeAll(async () => {
    await initBackend({ quiet: true });
  });

  it('splits the last 1x1 conv off with BatchNorm folded in: relu6(x·W + b) is the backbone output', () => {
    const bb = tinyBackbone();
    const s = splitBackbone(bb);
    expect(s.cut).toBe('c1_relu');
    expect([s.cIn, s.cOut]).toEqual([4, 6]);
    const x = tf.randomUniform([2, 8, 8, 3], -1, 1, 'float32', 7);
    const cut = tf.model({ inputs: bb.inputs, outputs: bb.getLayer(s.cut).output as tf.SymbolicTensor });
    const a = (cut.predict(x) as tf.Tensor).reshape([-1, 4]);
    const mine = tf.clipByValue(tf.add(tf.matMul(a, tf.tensor2d(s.kernel, [4, 6])), tf.tensor1d(s.bias)), 0, 6);
    const theirs = (bb.predict(x) as tf.Tensor).reshape([-1, 6]);
    expect(tf.max(tf.abs(tf.sub(mine, theirs))).dataSync()[0]).toBeLessThan(1e-5);
  });

  it('hand-written gradients equal tfjs autodiff (conv, hidden layer, head)', () => {
    const s = splitBackbone(tinyBackbone());
    const top = createTop(s, 3, 1, 'avg+max', 5);
    const x = tf.randomUniform([4, 16 * 4], 0, 3, 'float32', 3) as tf.Tensor2D;
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
    const reference = () =>
      tf.tidy(() => {
        const z = tf.clipByValue(tf.add(tf.matMul(x.reshape([-1, 4]), top.conv.kernel), top.conv.bias), 0, 6).reshape([4, -1, 6]);
        let h = tf.concat([tf.mean(z, 1), tf.max(z, 1)], 1) as tf.Tensor2D;
        top.head.layers.forEach((l, i) => {
          const o = tf.add(tf.matMul(h, l.kernel), l.bias) as tf.Tensor2D;
          h = i < top.head.layers.length - 1 ? tf.relu(o) : o;
        });
        return tf.losses.softmaxCrossEntropy(y, h) as tf.Scalar;
      });
    const mine = () => tf.tidy(() => tf.losses.softmaxCrossEntropy(y, logits(top, pool(top, x), 0)) as tf.Scalar);
    const vars = [top.conv.kernel, top.conv.bias, ...top.head.layers.flatMap((l) => [l.kernel, l.bias])];
    const a = tf.variableGrads(reference, vars);
    const b = tf.variableGrads(mine, vars);
    expect(b.value.dataSync()[0]).toBeCloseTo(a.value.dataSync()[0]!, 5);
    for (const k of Object.keys(a.grads)) {
      expect(tf.max(tf.abs(tf.sub(a.grads[k]!, b.grads[k]!))).dataSync()[0], k).toBeLessThan(1e-5);
    }
    disposeTop(top);
  });

  it('fits separable data, and the exported stock-layer model computes what training measured', async () => {
    const bb = tinyBackbone();
    const s = splitBackbone(bb);
    const frozen = tf.model({ inputs: bb.inputs, outputs: bb.getLayer(s.cut).output as tf.SymbolicTensor, name: 'frozen' });
    // Three classes told apart by the mean colour of the image.
    const n = 60;
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 3);
    const images = tf.tidy(() => tf.stack(Array.from(labels, (l, i) => tf.add(tf.randomUniform([8, 8, 3], -0.3, 0.3, 'float32', i), tf.oneHot(l, 3).mul(1.5).reshape([1, 1, 3])))));
    const acts = (frozen.predict(images) as tf.Tensor).reshape([n, -1]).arraySync() as number[][];
    const set: RowSet = { n, labels, row: (i) => Float32Array.from(acts[i]!) };
    for (const fineTune of [false, true]) {
      const top = createTop(s, 3, 1, 'avg+max', fineTune ? 8 : 0);
      const before = predictTop(top, set);
      await fitTop(top, set, set, { ...DEFAULT_TOP, fineTune, epochs: 40, batchSize: 16, learningRate: 0.02, dropout: 0, patience: 40 });
      const after = predictTop(top, set);
      const acc = after.filter((p, i) => p.indexOf(Math.max(...p)) === labels[i]).length / n;
      expect(acc, `fineTune ${fineTune}`).toBeGreaterThan(0.85);
      expect(after).not.toEqual(before);
      const exported = composeModel(frozen, top, 8);
      const direct = (exported.predict(images) as tf.Tensor).arraySync() as number[][];
      direct.forEach((p, i) => p.forEach((v, k) => expect(v).toBeCloseTo(after[i]![k]!, 4)));
      disposeTop(top);
    }
  });
});
