/**
 * `npm run predict`: classifies image files, or every image under folders (recursively), with an
 * exported model folder and the verdict rule and threshold the app uses. Results come out in input
 * order, one per image; a file that cannot be read gets an error line and the run goes on.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ModelMetadata } from '../../edge/src/contract.ts';
import { probabilitiesOf, verdictFor, type Probabilities } from '../../web/src/lib/classifier/verdict.ts';
import { decodeRgb, normalize } from './data/decode.ts';
import { readMetadata } from './metadata.ts';
import { loadModel } from './model/io.ts';

/** Extensions taken from folders; a file named explicitly is tried whatever its name. */
const IMAGE_EXT = /\.(jpe?g|png|webp|gif|avif|tiff?)$/i;

export type PredictLine =
  | { file: string; verdict: string; probabilities: Probabilities; ms: number }
  | { file: string; error: string };

/** Files to classify, in a stable order; throws on a path that does not exist. */
export function listImages(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.')) continue;
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (IMAGE_EXT.test(name)) out.push(full);
    }
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new Error(`no such file or folder: ${p}`);
    if (statSync(p).isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}

type Decoded = { file: string; rgb: Uint8Array } | { file: string; error: string };

export interface Predictor {
  metadata: ModelMetadata;
  decode(file: string): Promise<Decoded>;
  classify(d: Decoded): Promise<PredictLine>;
  dispose(): void;
}

export async function loadPredictor(modelDir: string): Promise<Predictor> {
  const dir = resolve(modelDir);
  if (!existsSync(join(dir, 'model.json'))) throw new Error(`no model at ${dir} (expected model.json and metadata.json)`);
  const metadata = readMetadata(dir);
  const model = await loadModel(dir);
  const [h, w] = metadata.inputSize;
  return {
    metadata,
    decode: (file) =>
      decodeRgb(file, { width: w, height: h }, { crop: metadata.crop }).then(
        (rgb) => ({ file, rgb }),
        (e: Error) => ({ file, error: e.message })
      ),
    async classify(d) {
      if ('error' in d) return d;
      const t0 = performance.now();
      const out = tf.tidy(() => model.predict(tf.tensor4d(normalize(d.rgb, metadata.normalization), [1, h, w, 3])) as tf.Tensor);
      const values = await out.data();
      out.dispose();
      const ms = performance.now() - t0;
      const probabilities = probabilitiesOf(values, metadata.labels);
      return { file: d.file, verdict: verdictFor(probabilities, metadata.unsureThreshold).verdict, probabilities, ms: Math.round(ms * 10) / 10 };
    },
    dispose: () => model.dispose()
  };
}

/** Human-readable line: `file  verdict  cat 0.012  dog 0.954  neither 0.034  23.1 ms`. */
export function formatLine(l: PredictLine): string {
  if ('error' in l) return `${l.file}  error: ${l.error}`;
  const probs = Object.entries(l.probabilities)
    .map(([k, v]) => `${k} ${v.toFixed(3)}`)
    .join('  ');
  return `${l.file}  ${l.verdict}  ${probs}  ${l.ms} ms`;
}

/** Classifies every file, decoding the next while the model runs on this one, and hands each result on in order. */
export async function predictFiles(p: Predictor, files: readonly string[], emit: (l: PredictLine) => void): Promise<{ ok: number; failed: number }> {
  let ok = 0;
  let failed = 0;
  let next = files.length > 0 ? p.decode(files[0]!) : null;
  for (let i = 0; i < files.length; i++) {
    const decoded = await next!;
    next = i + 1 < files.length ? p.decode(files[i + 1]!) : null;
    const line = await p.classify(decoded);
    if ('error' in line) failed++;
    else ok++;
    emit(line);
  }
  return { ok, failed };
}
