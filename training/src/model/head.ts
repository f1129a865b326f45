/**
 * The classifier head trained on cached features: dropout + dense 2-way softmax (index 0 = cat,
 * 1 = dog), Adam with a plateau learning-rate schedule, early stopping on validation loss (the best
 * epoch's weights are kept).
 */
import * as tf from '@tensorflow/tfjs';
import { shuffled } from '../data/split.ts';
import { Progress } from '../progress.ts';

export interface HeadConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  l2: number;
  dropout: number;
  patience: number;
  /** units of an optional hidden ReLU layer (0 = linear head) */
  hidden: number;
  seed: number;
}

export const DEFAULT_HEAD: HeadConfig = { epochs: 60, batchSize: 64, learningRate: 1e-3, l2: 1e-4, dropout: 0.3, patience: 6, hidden: 0, seed: 42 };

export interface Matrix {
  x: Float32Array;
  y: Uint8Array;
  n: number;
  dim: number;
}

export interface EpochRecord {
  epoch: number;
  lr: number;
  loss: number;
  acc: number;
  valLoss: number;
  valAcc: number;
}

export function buildHead(dim: number, cfg: Pick<HeadConfig, 'dropout' | 'l2' | 'hidden'>): tf.Sequential {
  const head = tf.sequential({ name: 'head' });
  head.add(tf.layers.dropout({ inputShape: [dim], rate: cfg.dropout, name: 'head_dropout' }));
  if (cfg.hidden > 0) {
    const l2 = tf.regularizers.l2({ l2: cfg.l2 });
    head.add(tf.layers.dense({ units: cfg.hidden, activation: 'relu', name: 'head_hidden', kernelRegularizer: l2 }));
    head.add(tf.layers.dropout({ rate: cfg.dropout, name: 'head_hidden_dropout' }));
  }
  head.add(
    tf.layers.dense({ units: 2, activation: 'softmax', name: 'head_dense', kernelRegularizer: tf.regularizers.l2({ l2: cfg.l2 }) })
  );
  return head;
}

/** P(dog) for every row. */
export function predictDog(head: tf.LayersModel, m: Matrix, batch = 1024): number[] {
  const out: number[] = [];
  for (let s = 0; s < m.n; s += batch) {
    const e = Math.min(m.n, s + batch);
    const p = tf.tidy(() => {
      const probs = head.predict(tf.tensor2d(m.x.subarray(s * m.dim, e * m.dim), [e - s, m.dim])) as tf.Tensor;
      return probs.slice([0, 1], [-1, 1]).dataSync();
    });
    out.push(...p);
  }
  return out;
}

function lossAndAcc(pDog: number[], y: Uint8Array): { loss: number; acc: number } {
  let loss = 0;
  let ok = 0;
  pDog.forEach((p, i) => {
    const q = Math.min(1 - 1e-7, Math.max(1e-7, y[i] === 1 ? p : 1 - p));
    loss -= Math.log(q);
    if ((p >= 0.5 ? 1 : 0) === y[i]) ok++;
  });
  return { loss: loss / pDog.length, acc: ok / pDog.length };
}

export async function trainHead(train: Matrix, val: Matrix, cfg: HeadConfig): Promise<{ head: tf.Sequential; history: EpochRecord[]; bestEpoch: number }> {
  const head = buildHead(train.dim, cfg);
  const optimizer = tf.train.adam(cfg.learningRate);
  // Adam reads its rate on every step; tfjs only marks the field protected.
  const setLr = (lr: number) => ((optimizer as unknown as { learningRate: number }).learningRate = lr);
  head.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const history: EpochRecord[] = [];
  let lr = cfg.learningRate;
  let best = { loss: Infinity, epoch: 0, weights: head.getWeights().map((w) => w.clone()) };
  let sinceBest = 0;
  const progress = new Progress('head', cfg.epochs, 'epoch');
  const index = Array.from({ length: train.n }, (_, i) => i);
  for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
    const order = shuffled(index, cfg.seed + epoch);
    for (let s = 0; s < order.length; s += cfg.batchSize) {
      const ids = order.slice(s, s + cfg.batchSize);
      const xb = new Float32Array(ids.length * train.dim);
      const yb = new Float32Array(ids.length * 2);
      ids.forEach((id, k) => {
        xb.set(train.x.subarray(id * train.dim, (id + 1) * train.dim), k * train.dim);
        yb[k * 2 + train.y[id]!] = 1;
      });
      const xt = tf.tensor2d(xb, [ids.length, train.dim]);
      const yt = tf.tensor2d(yb, [ids.length, 2]);
      await head.trainOnBatch(xt, yt);
      tf.dispose([xt, yt]);
    }
    const tr = lossAndAcc(predictDog(head, train), train.y);
    const va = lossAndAcc(predictDog(head, val), val.y);
    history.push({ epoch, lr, loss: tr.loss, acc: tr.acc, valLoss: va.loss, valAcc: va.acc });
    progress.tick(1, `loss ${tr.loss.toFixed(4)} val_loss ${va.loss.toFixed(4)} val_acc ${(va.acc * 100).toFixed(2)}%`);
    if (va.loss < best.loss - 1e-5) {
      best.weights.forEach((w) => w.dispose());
      best = { loss: va.loss, epoch, weights: head.getWeights().map((w) => w.clone()) };
      sinceBest = 0;
    } else if (++sinceBest >= cfg.patience) break;
    else if (sinceBest % 2 === 0) setLr((lr *= 0.3));
  }
  progress.finish(`best epoch ${best.epoch}`);
  head.setWeights(best.weights);
  best.weights.forEach((w) => w.dispose());
  return { head, history, bestEpoch: best.epoch };
}
