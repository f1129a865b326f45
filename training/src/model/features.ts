/**
 * Backbone features per image, cached on disk by (backbone, input size, variant, file hash): a
 * second run with a different head reads them back instead of decoding and running the backbone.
 * Uses `predict` (inference mode), so BatchNorm statistics stay frozen.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Normalization } from '../../../web/src/lib/classifier/preprocess.ts';
import type { AugmentParams } from '../data/augment.ts';
import { decodeRgb, mirrorRgb, normalize } from '../data/decode.ts';
import { Progress } from '../progress.ts';

export interface FeatureJob {
  path: string;
  sha256: string;
  aug?: AugmentParams;
  /** the resized photo mirrored left-right, exactly as the exported model's test-time view */
  mirror?: boolean;
}

export interface FeatureResult {
  dim: number;
  /** one row per job, null where the image could not be decoded */
  rows: (Float32Array | null)[];
  failures: { index: number; reason: string }[];
  cached: number;
  computed: number;
  /** wall time spent running the backbone, for ms/image figures */
  predictMs: number;
}

export interface FeatureOptions {
  extractor: tf.LayersModel;
  size: number;
  norm: Normalization;
  /** folder for this backbone + size + variant */
  cacheDir: string;
  batchSize: number;
  label: string;
}

function cachePath(dir: string, sha: string, ext: 'f32' | 'bad'): string {
  return join(dir, sha.slice(0, 2), `${sha}.${ext}`);
}

function writeCache(file: string, data: Uint8Array | string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, data);
}

/** Appends one backbone's feature row to what earlier backbones gave the same image (feature concatenation). */
export function appendRow(prev: Float32Array | null | undefined, row: Float32Array): Float32Array {
  if (!prev) return row;
  const joined = new Float32Array(prev.length + row.length);
  joined.set(prev);
  joined.set(row, prev.length);
  return joined;
}

export async function extractFeatures(jobs: readonly FeatureJob[], o: FeatureOptions): Promise<FeatureResult> {
  const dim = (o.extractor.outputs[0]!.shape as number[])[1]!;
  const rows: (Float32Array | null)[] = new Array(jobs.length).fill(null);
  const failures: FeatureResult['failures'] = [];
  const todo: number[] = [];
  let cached = 0;
  jobs.forEach((j, i) => {
    const f = cachePath(o.cacheDir, j.sha256, 'f32');
    const bad = cachePath(o.cacheDir, j.sha256, 'bad');
    if (existsSync(f)) {
      const b = readFileSync(f);
      rows[i] = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      cached++;
    } else if (existsSync(bad)) {
      failures.push({ index: i, reason: readFileSync(bad, 'utf8') });
      cached++;
    } else todo.push(i);
  });
  const progress = new Progress(`${o.label} features`, todo.length);
  let predictMs = 0;
  const px = o.size * o.size * 3;
  const decodeBatch = (idx: number[]) =>
    Promise.all(
      idx.map((i) =>
        decodeRgb(jobs[i]!.path, { width: o.size, height: o.size }, jobs[i]!.aug).then(
          (rgb) => ({ i, rgb: jobs[i]!.mirror ? mirrorRgb(rgb, o.size, o.size) : rgb, err: null as string | null }),
          (e: Error) => ({ i, rgb: null, err: e.message })
        )
      )
    );
  const batches: number[][] = [];
  for (let s = 0; s < todo.length; s += o.batchSize) batches.push(todo.slice(s, s + o.batchSize));
  // Decode the next batch (sharp's thread pool) while the backbone runs on this one.
  let next = batches.length > 0 ? decodeBatch(batches[0]!) : null;
  for (let b = 0; b < batches.length; b++) {
    const decoded = await next!;
    next = b + 1 < batches.length ? decodeBatch(batches[b + 1]!) : null;
    const good = decoded.filter((d) => d.rgb !== null);
    for (const d of decoded) {
      if (d.err !== null) {
        failures.push({ index: d.i, reason: d.err });
        writeCache(cachePath(o.cacheDir, jobs[d.i]!.sha256, 'bad'), d.err);
      }
    }
    if (good.length > 0) {
      const input = new Float32Array(good.length * px);
      good.forEach((d, k) => input.set(normalize(d.rgb!, o.norm), k * px));
      const t0 = performance.now();
      const out = tf.tidy(() => o.extractor.predict(tf.tensor4d(input, [good.length, o.size, o.size, 3])) as tf.Tensor);
      const values = (await out.data()) as Float32Array;
      out.dispose();
      predictMs += performance.now() - t0;
      good.forEach((d, k) => {
        const row = values.slice(k * dim, (k + 1) * dim);
        rows[d.i] = row;
        writeCache(cachePath(o.cacheDir, jobs[d.i]!.sha256, 'f32'), new Uint8Array(row.buffer));
      });
    }
    progress.tick(decoded.length);
  }
  if (todo.length > 0) progress.finish();
  return { dim, rows, failures, cached, computed: todo.length, predictMs };
}
