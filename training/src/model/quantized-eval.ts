/**
 * Test-split predictions of a quantized export, computed the way the exported graph computes them
 * (quantized trunk(s) → pooled features → average over the mirror views → quantized head), with the
 * trunk features cached by the hash of the quantized trunk weights. The backbone is frozen, so a
 * re-run with a new head reuses them and only the head is recomputed.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Normalization } from '../../../web/src/lib/classifier/preprocess.ts';
import { featureExtractor } from './backbone.ts';
import { appendRow, extractFeatures, type FeatureJob } from './features.ts';

export interface View {
  key: string;
  jobs: FeatureJob[];
}

function weightsHash(model: tf.LayersModel): string {
  const h = createHash('sha256');
  for (const w of model.getWeights()) h.update(new Uint8Array((w.dataSync() as Float32Array).buffer));
  return h.digest('hex').slice(0, 16);
}

/** P(dog) per job of the views (all views list the same images in the same order). */
export async function quantizedPredictions(
  q: tf.LayersModel,
  trunkNames: string[],
  views: View[],
  o: { size: number; norm: Normalization; cacheRoot: string; batchSize: number; label: string }
): Promise<number[]> {
  const n = views[0]!.jobs.length;
  const perView: Float32Array[][] = views.map(() => []);
  for (const name of trunkNames) {
    const trunk = q.getLayer(name) as unknown as tf.LayersModel;
    const extractor = featureExtractor(trunk);
    const key = `q-${weightsHash(trunk)}`;
    for (const [vi, v] of views.entries()) {
      const res = await extractFeatures(v.jobs, {
        extractor,
        size: o.size,
        norm: o.norm,
        cacheDir: resolve(o.cacheRoot, `${name}-${o.size}`, key, v.key),
        batchSize: o.batchSize,
        label: `${o.label} ${name} ${v.key}`
      });
      res.rows.forEach((r, j) => {
        perView[vi]![j] = appendRow(perView[vi]![j], r ?? new Float32Array(res.dim));
      });
    }
  }
  const dim = perView[0]![0]?.length ?? 0;
  const x = new Float32Array(n * dim);
  for (let j = 0; j < n; j++) {
    for (const rows of perView) rows[j]!.forEach((v, d) => (x[j * dim + d]! += v / perView.length));
  }
  // The head: the model's dense layers after the features (the mirror matrix belongs to the input side).
  const dense = q.layers.filter((l) => l.getClassName() === 'Dense' && l.name !== 'mirror_matrix');
  const probs = tf.tidy(() => dense.reduce<tf.Tensor>((h, layer) => layer.apply(h) as tf.Tensor, tf.tensor2d(x, [n, dim])).slice([0, 1], [-1, 1]).dataSync());
  return Array.from(probs);
}
