/**
 * The inference rewrite (BatchNorms folded into convolutions, ReLUs fused into them) computes what the
 * model computes, run by the graph runner and by tfjs-layers: small functional and sequential models
 * with every case (a BatchNorm after a convolution, after something else, after a convolution read
 * twice; ReLU, ReLU6, a leaky ReLU), and the shipped model, whatever it is.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Classifier, rewrittenArtifacts, toArtifacts } from '../../web/src/lib/classifier/classifier.ts';
import { GraphModel } from '../../web/src/lib/classifier/graph-model.ts';
import { optimizeForInference, type WeightMap } from '../../web/src/lib/classifier/inference-model.ts';
import { layerGraph } from '../../web/src/lib/classifier/layer-graph.ts';
import { modelArtifacts } from '../../training/src/model/io.ts';

/** Gives every BatchNormalization statistics far from the identity, so folding them is really tested. */
function randomizeBatchNorms(model: tf.LayersModel): void {
  const all = (m: tf.LayersModel): tf.layers.Layer[] => m.layers.flatMap((l) => (l instanceof tf.LayersModel ? all(l) : [l]));
  for (const layer of all(model)) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    layer.setWeights(layer.getWeights().map((w, i) => tf.randomUniform(w.shape, i === 3 ? 0.2 : -0.8, i === 3 ? 2 : 0.8, 'float32', 11 + i)));
  }
}

function weightsOf(a: tf.io.ModelArtifacts): WeightMap {
  const named = tf.io.decodeWeights(a.weightData!, a.weightSpecs!);
  const map: WeightMap = new Map(Object.entries(named).map(([n, t]) => [n, { data: t.dataSync() as Float32Array, shape: t.shape }]));
  tf.dispose(Object.values(named));
  return map;
}

/** Largest difference between the original and the rewritten model's outputs on random inputs, run by tfjs-layers and by the graph runner. */
async function maxDifference(model: tf.LayersModel, size: number): Promise<{ layers: number; graph: number }> {
  const a = await modelArtifacts(model);
  const rewrite = optimizeForInference(a.modelTopology, weightsOf(a));
  const layers = await tf.loadLayersModel(tf.io.fromMemory(rewrittenArtifacts(a, rewrite)));
  const graph = GraphModel.build(tf, layerGraph(rewrite.topology), rewrite.weights);
  const x = tf.randomUniform([3, size, size, 3], -1, 1, 'float32', 5);
  const diff = (m: { predict(x: tf.Tensor): unknown }) => tf.tidy(() => tf.max(tf.abs(tf.sub(model.predict(x) as tf.Tensor, m.predict(x) as tf.Tensor))).dataSync()[0]!);
  const result = { layers: diff(layers), graph: diff(graph) };
  x.dispose();
  layers.dispose();
  graph.dispose();
  return result;
}

const classes = (topology: unknown) => [...JSON.stringify(topology).matchAll(/"class_name":"(\w+)"/g)].map((m) => m[1]);

let functional: tf.LayersModel;
let sequential: tf.LayersModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const input = tf.input({ shape: [9, 9, 3] });
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor) => layer.apply(x) as tf.SymbolicTensor;
  // conv → BN → ReLU6 → depthwise (stride 2) → BN → ReLU → conv with bias → BN: everything folds and fuses.
  let x = apply(tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: 'c1' }), input);
  x = apply(tf.layers.batchNormalization({ name: 'b1' }), x);
  const r1 = apply(tf.layers.reLU({ maxValue: 6, name: 'r1' }), x);
  x = apply(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', useBias: false, depthMultiplier: 2, name: 'd1' }), r1);
  x = apply(tf.layers.batchNormalization({ name: 'b2' }), x);
  x = apply(tf.layers.reLU({ name: 'r2' }), x);
  x = apply(tf.layers.conv2d({ filters: 5, kernelSize: 1, name: 'c2' }), x);
  const a = apply(tf.layers.globalAveragePooling2d({ name: 'ga' }), apply(tf.layers.batchNormalization({ name: 'b3' }), x));
  // A convolution read by a BatchNorm and by a pooling layer: its BatchNorm stays (folding would change the pooling's input).
  const c3 = apply(tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'valid', useBias: false, name: 'c3' }), r1);
  const b4 = apply(tf.layers.batchNormalization({ name: 'b4' }), c3);
  const leaky = apply(tf.layers.leakyReLU({ alpha: 0.1, name: 'leaky' }), b4);
  const b = apply(tf.layers.globalAveragePooling2d({ name: 'gb' }), leaky);
  const p = apply(tf.layers.globalMaxPooling2d({ name: 'gp' }), c3);
  // A BatchNorm after a pooling layer: nothing to fold it into.
  const features = apply(tf.layers.batchNormalization({ name: 'b5' }), apply(tf.layers.concatenate({ name: 'cat' }), [a, b, p] as unknown as tf.SymbolicTensor));
  const output = apply(tf.layers.dense({ units: 3, activation: 'softmax', name: 'head' }), features);
  functional = tf.model({ inputs: input, outputs: output });
  randomizeBatchNorms(functional);
  sequential = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, useBias: false }),
      tf.layers.batchNormalization({}),
      tf.layers.activation({ activation: 'relu' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 2, activation: 'softmax' })
    ]
  });
  randomizeBatchNorms(sequential);
});

describe('the inference rewrite', () => {
  it('folds the BatchNorms that follow a convolution read only by them, fuses ReLU and ReLU6, and keeps the rest', async () => {
    const a = await modelArtifacts(functional);
    const r = optimizeForInference(a.modelTopology, weightsOf(a));
    expect(r).toMatchObject({ foldedBatchNorms: 3, fusedActivations: 2 });
    const after = classes(r.topology);
    expect(after.filter((c) => c === 'BatchNormalization')).toHaveLength(2);
    expect(after).not.toContain('ReLU');
    expect(after).toContain('LeakyReLU');
    expect([...r.weights.keys()].filter((k) => k.startsWith('b1/') || k.startsWith('b2/') || k.startsWith('b3/'))).toEqual([]);
    expect(r.weights.get('d1/bias')?.shape).toEqual([8]);
    // The input is not changed.
    expect(classes(a.modelTopology).filter((c) => c === 'BatchNormalization')).toHaveLength(5);
  });

  it('computes what the functional model computes', async () => {
    const d = await maxDifference(functional, 9);
    expect(d.layers).toBeLessThan(1e-5);
    expect(d.graph).toBeLessThan(1e-5);
  });

  it('computes what a sequential model computes', async () => {
    const a = await modelArtifacts(sequential);
    expect(optimizeForInference(a.modelTopology, weightsOf(a))).toMatchObject({ foldedBatchNorms: 1, fusedActivations: 1 });
    const d = await maxDifference(sequential, 8);
    expect(d.layers).toBeLessThan(1e-5);
    expect(d.graph).toBeLessThan(1e-5);
  });

  const shipped = join(import.meta.dirname, '../../model');
  it.skipIf(!existsSync(join(shipped, 'metadata.json')))('predicts what the shipped model predicts', async () => {
    const files = new Map(['model.json', 'metadata.json', ...JSON.parse(readFileSync(join(shipped, 'model.json'), 'utf8')).weightsManifest.flatMap((g: { paths: string[] }) => g.paths)].map((f: string) => {
      const b = readFileSync(join(shipped, f));
      return [f, b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer];
    }));
    const plain = await tf.loadLayersModel(tf.io.fromMemory(toArtifacts(files)));
    const optimized = await Classifier.create(tf, files);
    const [h, w] = optimized.metadata.inputSize;
    const input = tf.randomUniform([1, h, w, 3], -1, 1, 'float32', 3);
    const expected = (plain.predict(input) as tf.Tensor).dataSync();
    const got = await optimized.predict(input.dataSync() as Float32Array);
    optimized.metadata.labels.forEach((label, i) => expect(got.probabilities[label]).toBeCloseTo(expected[i]!, 4));
    input.dispose();
    plain.dispose();
    optimized.dispose();
  }, 300_000);
});
