/** Running a full exported model (image in, label probabilities out) over photo files. */
import * as tf from '@tensorflow/tfjs';
import type { Normalization } from '../../../web/src/lib/classifier/preprocess.ts';
import { decodeRgb, normalize } from '../data/decode.ts';
import { Progress } from '../progress.ts';

export interface Decoded {
  pixels: (Uint8Array | null)[];
  failures: { index: number; reason: string }[];
}

export async function decodeAll(paths: readonly string[], size: number, label = 'decode', crop = 1, concurrency = 8): Promise<Decoded> {
  const pixels: (Uint8Array | null)[] = new Array(paths.length).fill(null);
  const failures: Decoded['failures'] = [];
  const progress = new Progress(label, paths.length);
  for (let s = 0; s < paths.length; s += concurrency) {
    const idx = paths.slice(s, s + concurrency).map((_, k) => s + k);
    await Promise.all(
      idx.map((i) =>
        decodeRgb(paths[i]!, { width: size, height: size }, { crop }).then(
          (p) => (pixels[i] = p),
          (e: Error) => failures.push({ index: i, reason: e.message })
        )
      )
    );
    progress.tick(idx.length);
  }
  progress.finish();
  return { pixels, failures: failures.sort((a, b) => a.index - b.index) };
}

/** Probabilities per decoded image (null where decoding failed) and the time spent in predict. */
export async function predictPixels(
  model: tf.LayersModel,
  pixels: readonly (Uint8Array | null)[],
  size: number,
  norm: Normalization,
  batch = 32,
  label = 'predict'
): Promise<{ probs: (number[] | null)[]; predictMs: number }> {
  const ok = pixels.map((p, i) => (p ? i : -1)).filter((i) => i >= 0);
  const probs: (number[] | null)[] = new Array(pixels.length).fill(null);
  const px = size * size * 3;
  const progress = new Progress(label, ok.length);
  let predictMs = 0;
  for (let s = 0; s < ok.length; s += batch) {
    const ids = ok.slice(s, s + batch);
    const input = new Float32Array(ids.length * px);
    ids.forEach((id, k) => input.set(normalize(pixels[id]!, norm), k * px));
    const t0 = performance.now();
    const out = tf.tidy(() => model.predict(tf.tensor4d(input, [ids.length, size, size, 3])) as tf.Tensor);
    const v = await out.data();
    const k = out.shape[1]!;
    out.dispose();
    predictMs += performance.now() - t0;
    ids.forEach((id, j) => (probs[id] = Array.from(v.subarray(j * k, (j + 1) * k))));
    progress.tick(ids.length);
  }
  progress.finish();
  return { probs, predictMs };
}

/** Input size [h, w] a loaded model expects. */
export function inputSizeOf(model: tf.LayersModel): [number, number] {
  const shape = model.inputs[0]!.shape;
  return [shape[1]!, shape[2]!];
}
