/**
 * The trainable top of the model, on cached frozen activations [positions, channels]:
 *   pointwise conv (the backbone's last 1x1 conv with its BatchNorm folded in, fine-tuned or frozen)
 *   → ReLU6 → global average pooling (with 'avg+max', and max pooling beside it) → dropout
 *   → (optional hidden ReLU layer) → dense softmax over [cat, dog, neither].
 * The 1x1 conv is a matMul here: the wasm backend has no Conv2DBackpropFilter kernel, and a matMul's
 * gradient is two matMuls, which it has. `createTop` / `fitTop` / `predictTop` follow tfjs-examples'
 * createModel / fitModel split; compose.ts turns the weights back into stock layers for export.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../data/random.ts';
import { shuffled } from '../data/split.ts';
import { Progress } from '../progress.ts';

export interface TopConfig {
  /** train the pointwise conv too (else only the dense head, on pooled features) */
  fineTune: boolean;
  pooling: Pooling;
  /** units of a hidden ReLU layer in the head (0: a linear softmax head) */
  hidden: number;
  epochs: number;
  batchSize: number;
  /** learning rate of the dense head; the conv uses `convLrScale` times it */
  learningRate: number;
  convLrScale: number;
  /** L2 on the head's kernel, and on the conv's distance from its pretrained weights (L2-SP) */
  l2: number;
  l2sp: number;
  dropout: number;
  labelSmoothing: number;
  /** early stopping on validation loss */
  patience: number;
  seed: number;
}

export const DEFAULT_TOP: TopConfig = {
  // Fine-tuning the last conv did not beat the head alone on validation at 160 px, and costs ~10x the time.
  fineTune: false,
  pooling: 'avg+max',
  hidden: 0,
  epochs: 20,
  batchSize: 64,
  learningRate: 1e-3,
  convLrScale: 0.1,
  l2: 1e-4,
  l2sp: 1e-4,
  dropout: 0.3,
  labelSmoothing: 0.1,
  patience: 4,
  seed: 42
};

/** The head in words, for the model card. */
export function headDescription(cfg: Pick<TopConfig, 'pooling' | 'hidden'>): string {
  const pooling = cfg.pooling === 'avg+max' ? 'global average and max pooling, side by side' : 'global average pooling';
  return `relu6 → ${pooling}${cfg.hidden ? ` → dense ${cfg.hidden} relu` : ''} → dense softmax`;
}

/** Pretrained pointwise conv as a matrix: kernel [cIn, cOut] and bias [cOut] (BatchNorm folded in). */
export interface PointwiseInit {
  kernel: Float32Array;
  bias: Float32Array;
  cIn: number;
  cOut: number;
}

/** How the conv's output map becomes one feature vector: its mean, or its mean and max side by side. */
export type Pooling = 'avg' | 'avg+max';

export interface Top {
  conv: { kernel: tf.Variable; bias: tf.Variable; kernel0: tf.Tensor; cIn: number; cOut: number };
  pooling: Pooling;
  /** length of the pooled feature vector */
  features: number;
  /** dense layers: an optional hidden ReLU layer, then the softmax layer (last) */
  head: { layers: { kernel: tf.Variable; bias: tf.Variable }[]; classes: number };
}

const headVars = (t: Top) => t.head.layers.flatMap((l) => [l.kernel, l.bias]);
const allVars = (t: Top) => [t.conv.kernel, t.conv.bias, ...headVars(t)];

export interface EpochRecord {
  epoch: number;
  lr: number;
  loss: number;
  acc: number;
  valLoss: number;
  valAcc: number;
}

/** Rows of one example set; `row(i, epoch)` may pick an augmented view per epoch. */
export interface RowSet {
  n: number;
  labels: Uint8Array;
  row(i: number, epoch: number): Float32Array;
}

export function createTop(init: PointwiseInit, classes: number, seed: number, pooling: Pooling = 'avg', hidden = 0): Top {
  const kernel0 = tf.tensor2d(init.kernel, [init.cIn, init.cOut]);
  const features = pooling === 'avg' ? init.cOut : 2 * init.cOut;
  return {
    conv: { kernel: tf.variable(kernel0.clone(), true), bias: tf.variable(tf.tensor1d(init.bias), true), kernel0, cIn: init.cIn, cOut: init.cOut },
    pooling,
    features,
    head: {
      layers: [
        ...(hidden > 0
          ? [{ kernel: tf.variable(tf.randomNormal([features, hidden], 0, Math.sqrt(2 / features), 'float32', seed + 1), true), bias: tf.variable(tf.zeros([hidden]), true) }]
          : []),
        { kernel: tf.variable(tf.randomNormal([hidden || features, classes], 0, 0.01, 'float32', seed), true), bias: tf.variable(tf.zeros([classes]), true) }
      ],
      classes
    }
  };
}

export function disposeTop(t: Top): void {
  tf.dispose([...allVars(t), t.conv.kernel0]);
}

/**
 * relu6(x @ kernel + bias) for rows x [m, cIn], with a hand-written gradient for kernel and bias: the
 * forward pass runs as a 1x1 conv (XNNPACK in wasm), and dKernel = xᵀ · dz as a plain matMul of an
 * explicit transpose. tfjs's own matMul gradient passes transposeA, which wasm runs on a slow path
 * (measured ~40x slower). x is cached data, never trained, so no gradient flows back into it.
 */
function pointwiseRelu6Grad(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, save: tf.GradSaveFunc) {
  const [m, cIn] = x.shape;
  const cOut = kernel.shape[1];
  const y = tf.tidy(() =>
    tf.fused
      .conv2d({ x: x.reshape([1, 1, m, cIn]) as tf.Tensor4D, filter: kernel.reshape([1, 1, cIn, cOut]) as tf.Tensor4D, strides: 1, pad: 'valid', bias, activation: 'relu6' })
      .reshape([m, cOut]) as tf.Tensor2D
  );
  save([x, y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [xs, ys] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dz = tf.mul(dy, tf.logicalAnd(tf.greater(ys, 0), tf.less(ys, 6)));
      return [tf.zerosLike(xs), tf.matMul(tf.transpose(xs), dz), tf.sum(dz, 0)];
    }
  };
}
/**
 * x @ kernel + bias with the same explicit-transpose gradients (tfjs's own pass transposeA/B flags,
 * which wasm runs on its slow path).
 */
function denseGrad(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, save: tf.GradSaveFunc) {
  save([x, kernel]);
  return {
    value: tf.add(tf.matMul(x, kernel), bias) as tf.Tensor2D,
    gradFunc: (dz: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [xs, ks] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dz, tf.transpose(ks)), tf.matMul(tf.transpose(xs), dz), tf.sum(dz, 0)];
    }
  };
}
const dense = tf.customGrad(denseGrad as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D, kernel: tf.Variable, bias: tf.Variable) => tf.Tensor2D;

const pointwiseRelu6 = tf.customGrad(pointwiseRelu6Grad as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
  x: tf.Tensor2D,
  kernel: tf.Variable,
  bias: tf.Variable
) => tf.Tensor2D;

/** Activations [n, positions * cIn] → pooled features [n, t.features]. */
export function pool(t: Top, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const n = x.shape[0];
    const z = pointwiseRelu6(x.reshape([-1, t.conv.cIn]), t.conv.kernel, t.conv.bias).reshape([n, -1, t.conv.cOut]);
    const avg = tf.mean(z, 1) as tf.Tensor2D;
    return t.pooling === 'avg' ? avg : tf.concat([avg, tf.max(z, 1) as tf.Tensor2D], 1);
  });
}

export function logits(t: Top, features: tf.Tensor2D, dropout: number): tf.Tensor2D {
  return tf.tidy(() =>
    t.head.layers.reduce((h, l, i) => {
      const z = dense((dropout > 0 ? tf.dropout(h, dropout) : h) as tf.Tensor2D, l.kernel, l.bias);
      return i < t.head.layers.length - 1 ? tf.relu(z) : z;
    }, features)
  );
}

function stack(rows: Float32Array[]): tf.Tensor2D {
  const dim = rows[0]!.length;
  const x = new Float32Array(rows.length * dim);
  rows.forEach((r, k) => x.set(r, k * dim));
  return tf.tensor2d(x, [rows.length, dim]);
}

/** Softmax probabilities for every row of a set (original views). */
export function predictTop(t: Top, set: RowSet, pooled = false, batch = 256): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < set.n; s += batch) {
    const ids = Array.from({ length: Math.min(batch, set.n - s) }, (_, k) => s + k);
    const p = tf.tidy(() => {
      const x = stack(ids.map((i) => set.row(i, 0)));
      return tf.softmax(logits(t, pooled ? x : pool(t, x), 0)).arraySync() as number[][];
    });
    out.push(...p);
  }
  return out;
}

/** Pooled features of every row under the current conv (for head-only training: computed once). */
export function pooledSet(t: Top, set: RowSet, views: number, batch = 256): RowSet {
  const cache: Float32Array[][] = Array.from({ length: views }, () => []);
  for (let v = 0; v < views; v++) {
    for (let s = 0; s < set.n; s += batch) {
      const ids = Array.from({ length: Math.min(batch, set.n - s) }, (_, k) => s + k);
      const f = tf.tidy(() => pool(t, stack(ids.map((i) => set.row(i, v)))).dataSync() as Float32Array);
      ids.forEach((_, k) => cache[v]!.push(f.slice(k * t.features, (k + 1) * t.features)));
    }
  }
  return { n: set.n, labels: set.labels, row: (i, epoch) => cache[epoch % views]![i]! };
}

function lossAndAcc(probs: number[][], labels: Uint8Array): { loss: number; acc: number } {
  let loss = 0;
  let ok = 0;
  probs.forEach((p, i) => {
    loss -= Math.log(Math.max(1e-7, p[labels[i]!]!));
    if (p.indexOf(Math.max(...p)) === labels[i]) ok++;
  });
  return { loss: loss / probs.length, acc: ok / probs.length };
}

/**
 * Adam with a cosine learning-rate decay over `epochs`, label smoothing, and early stopping on
 * validation loss (the best epoch's weights are kept). `views` is how many views `train.row` cycles
 * through (1 + augmented copies).
 */
export async function fitTop(t: Top, train: RowSet, val: RowSet, cfg: TopConfig, views = 1): Promise<{ history: EpochRecord[]; bestEpoch: number }> {
  const fineTune = cfg.fineTune;
  // Head-only: the conv is fixed, so every view's pooled features are computed once.
  const trainRows = fineTune ? train : pooledSet(t, train, views);
  const valRows = fineTune ? val : pooledSet(t, val, 1);
  const headOpt = tf.train.adam(cfg.learningRate);
  const convOpt = tf.train.adam(cfg.learningRate * cfg.convLrScale);
  const setLr = (o: tf.Optimizer, lr: number) => ((o as unknown as { learningRate: number }).learningRate = lr);
  const k = t.head.classes;
  const stepsPerEpoch = Math.ceil(train.n / cfg.batchSize);
  const totalSteps = stepsPerEpoch * cfg.epochs;
  const history: EpochRecord[] = [];
  const snapshot = () => allVars(t).map((v) => v.clone());
  let best = { loss: Infinity, epoch: 0, weights: snapshot() };
  let sinceBest = 0;
  let step = 0;
  const progress = new Progress(fineTune ? 'fine-tune' : 'head', cfg.epochs, 'epoch');
  const index = Array.from({ length: train.n }, (_, i) => i);
  const rand = mulberry32(cfg.seed);
  for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
    const order = shuffled(index, cfg.seed + epoch);
    let lr = cfg.learningRate;
    for (let s = 0; s < order.length; s += cfg.batchSize) {
      lr = cfg.learningRate * 0.5 * (1 + Math.cos((Math.PI * step++) / totalSteps));
      setLr(headOpt, lr);
      setLr(convOpt, lr * cfg.convLrScale);
      const ids = order.slice(s, s + cfg.batchSize);
      const y = new Float32Array(ids.length * k).fill(cfg.labelSmoothing / k);
      ids.forEach((id, j) => (y[j * k + train.labels[id]!]! += 1 - cfg.labelSmoothing));
      // Each example shows one of its views per epoch, picked at random (seeded).
      const x = stack(ids.map((id) => trainRows.row(id, fineTune ? Math.floor(rand() * views) : epoch - 1)));
      const yt = tf.tensor2d(y, [ids.length, k]);
      const vars = fineTune ? allVars(t) : headVars(t);
      const { grads, value } = tf.variableGrads(() =>
        tf.tidy(() => {
          const features = fineTune ? pool(t, x) : x;
          let loss = tf.losses.softmaxCrossEntropy(yt, logits(t, features, cfg.dropout)) as tf.Scalar;
          for (const l of t.head.layers) loss = tf.add(loss, tf.mul(cfg.l2, tf.sum(tf.square(l.kernel))));
          if (fineTune) loss = tf.add(loss, tf.mul(cfg.l2sp, tf.sum(tf.square(tf.sub(t.conv.kernel, t.conv.kernel0)))));
          return loss as tf.Scalar;
        }),
        vars
      );
      const named = (vs: tf.Variable[]) => vs.map((v) => ({ name: v.name, tensor: grads[v.name]! }));
      headOpt.applyGradients(named(headVars(t)));
      if (fineTune) convOpt.applyGradients(named([t.conv.kernel, t.conv.bias]));
      tf.dispose([x, yt, value, ...Object.values(grads)]);
    }
    // Training figures on an evenly spread sample of at most 2000 rows (the original views).
    const stride = Math.max(1, Math.floor(train.n / 2000));
    const sample = Array.from({ length: Math.floor(train.n / stride) }, (_, k) => k * stride);
    const sampled: RowSet = { n: sample.length, labels: Uint8Array.from(sample.map((i) => train.labels[i]!)), row: (k) => trainRows.row(sample[k]!, 0) };
    const tr = lossAndAcc(predictTop(t, sampled, !fineTune), sampled.labels);
    const va = lossAndAcc(predictTop(t, valRows, !fineTune), val.labels);
    history.push({ epoch, lr, loss: tr.loss, acc: tr.acc, valLoss: va.loss, valAcc: va.acc });
    progress.tick(1, `loss ${tr.loss.toFixed(4)} val_loss ${va.loss.toFixed(4)} val_acc ${(va.acc * 100).toFixed(2)}%`);
    if (va.loss < best.loss - 1e-5) {
      tf.dispose(best.weights);
      best = { loss: va.loss, epoch, weights: snapshot() };
      sinceBest = 0;
    } else if (++sinceBest >= cfg.patience) break;
  }
  progress.finish(`best epoch ${best.epoch}`);
  allVars(t).forEach((v, i) => v.assign(best.weights[i]!));
  tf.dispose(best.weights);
  headOpt.dispose();
  convOpt.dispose();
  return { history, bestEpoch: best.epoch };
}

/** Adds `bias` to the neither logit (index 2) of the head's last layer: the calibrated trade-off, kept in the model. */
export function addNeitherBias(t: Top, bias: number): void {
  if (bias === 0) return;
  const last = t.head.layers[t.head.layers.length - 1]!;
  const shift = tf.tidy(() => tf.oneHot(2, t.head.classes).toFloat().mul(bias));
  last.bias.assign(tf.add(last.bias, shift));
  shift.dispose();
}
