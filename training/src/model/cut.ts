/**
 * The frozen part of the backbone: the model up to a named layer (its activations are what training
 * caches), and a runner that turns images into those activations. Used in-process and by workers.
 */
import * as tf from '@tensorflow/tfjs';
import type { Normalization } from '../../../web/src/lib/classifier/preprocess.ts';
import { normalize } from '../data/decode.ts';
import { pixelsOf, type PixelSource, type ViewParams } from '../data/pixels.ts';
import { loadBackbone } from './backbone.ts';
import { loadModel } from './io.ts';

export interface CutSpec {
  /** a backbone folder (its input is resized to `size`), or an exported model with `exported` */
  modelDir: string;
  exported?: boolean;
  /** layer whose output is wanted (the last frozen one); the model's own output when absent */
  cut?: string;
  size: number;
  /** the model's centre crop of each photo (1 = whole photo) */
  crop: number;
  norm: Normalization;
}

export interface ActivationTask {
  src: PixelSource;
  view: ViewParams;
}

export interface ActivationOutput {
  /** one row per task, null where the image could not be read */
  rows: (Float32Array | null)[];
  errors: (string | null)[];
  predictMs: number;
}

export async function loadCut(spec: CutSpec): Promise<tf.LayersModel> {
  const model = spec.exported ? await loadModel(spec.modelDir) : await loadBackbone(spec.modelDir, spec.size);
  if (!spec.cut) return model;
  return tf.model({ inputs: model.inputs, outputs: model.getLayer(spec.cut).output as tf.SymbolicTensor, name: 'frozen' });
}

export async function runTasks(model: tf.LayersModel, spec: CutSpec, tasks: readonly ActivationTask[]): Promise<ActivationOutput> {
  const decoded = await Promise.all(
    tasks.map((t) =>
      pixelsOf(t.src, spec.size, t.view, spec.crop).then(
        (rgb) => ({ rgb, err: null }),
        (e: Error) => ({ rgb: null, err: e.message })
      )
    )
  );
  const good = decoded.map((d, i) => (d.rgb ? i : -1)).filter((i) => i >= 0);
  const rows: (Float32Array | null)[] = new Array(tasks.length).fill(null);
  let predictMs = 0;
  if (good.length > 0) {
    const px = spec.size * spec.size * 3;
    const input = new Float32Array(good.length * px);
    good.forEach((i, k) => input.set(normalize(decoded[i]!.rgb!, spec.norm), k * px));
    const t0 = performance.now();
    const out = tf.tidy(() => model.predict(tf.tensor4d(input, [good.length, spec.size, spec.size, 3])) as tf.Tensor);
    const values = (await out.data()) as Float32Array;
    out.dispose();
    predictMs = performance.now() - t0;
    const dim = values.length / good.length;
    good.forEach((i, k) => (rows[i] = values.slice(k * dim, (k + 1) * dim)));
  }
  return { rows, errors: decoded.map((d) => d.err), predictMs };
}
