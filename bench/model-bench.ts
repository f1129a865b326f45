/**
 * bench:model's measurement. Loads each model on the Node tfjs backend and times predict on the same
 * photos, decoded at each model's own input size. The models take turns photo by photo and batch by
 * batch (A B, B A, …), so load from other processes on this shared machine hits both alike and
 * their ratio holds even when the absolute times drift.
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ModelMetadata } from '../edge/src/contract.ts';
import { initBackend, type NodeBackend } from '../training/src/backend.ts';
import { normalize } from '../training/src/data/decode.ts';
import { scanDataset } from '../training/src/data/scan.ts';
import type { Split } from '../training/src/data/split.ts';
import { chooseExamples, evaluate } from '../training/src/evaluate.ts';
import { defaultWorkers } from '../training/src/train.ts';
import { readMetadata } from '../training/src/metadata.ts';
import { loadModel } from '../training/src/model/io.ts';
import { decodeAll, inputSizeOf } from '../training/src/model/predict.ts';
import { Progress } from '../training/src/progress.ts';
import { ROOT } from '../scripts/dev-server.ts';
import { modelInfo } from './model-info.ts';
import { inTurn, pairedSpeedup, summarize } from './stats.ts';

export interface ModelBenchOptions {
  model: string;
  baseline?: string;
  data: string;
  split: Split;
  limit: number;
  rounds: number;
  batch: number;
  backend?: NodeBackend;
  accuracy: boolean;
}

interface Contender {
  role: 'model' | 'baseline';
  dir: string;
  meta: ModelMetadata;
  net: tf.LayersModel;
  /** Normalised input per photo, and the photos in batches (the last one filled up from the start). */
  photos: Float32Array[];
  batches: Float32Array[];
  batch1: number[];
  batchN: number[];
}

/** `n` photos spread over the list (a data split is sorted by class, so the first n would be one class). */
function spread<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, k) => items[Math.floor((k * items.length) / n)]!);
}

/** Milliseconds from input array to output values read back, as the app does per photo. */
async function predictMs(c: Contender, input: Float32Array, n: number): Promise<number> {
  const [h, w] = c.meta.inputSize;
  const t0 = performance.now();
  const y = tf.tidy(() => c.net.predict(tf.tensor4d(input, [n, h, w, 3])) as tf.Tensor);
  await y.data();
  y.dispose();
  return performance.now() - t0;
}

export async function benchModels(opts: ModelBenchOptions): Promise<object> {
  const backend = await initBackend({ prefer: opts.backend });
  const scan = scanDataset(opts.data, { valFraction: 0, testFraction: 0 });
  const split = scan.layout === 'splits' ? opts.split : 'all';
  const pool = split === 'all' ? scan.items : scan.items.filter((i) => i.split === split);
  if (pool.length === 0) throw new Error(`no photos in split "${split}" under ${scan.root}`);
  const items = spread(pool, opts.limit);

  const dirs = [{ role: 'model' as const, dir: opts.model }, ...(opts.baseline ? [{ role: 'baseline' as const, dir: opts.baseline }] : [])];
  const metas = dirs.map((d) => ({ ...d, meta: readMetadata(d.dir) }));

  // Decode once per input size and crop (each model sees the photo as the app would show it); keep
  // the photos every variant decoded, so both models see the same ones.
  const variant = (meta: ModelMetadata) => `${meta.inputSize[0]}:${meta.crop}`;
  const decoded = new Map<string, (Uint8Array | null)[]>();
  for (const { meta } of metas) {
    const [h, w] = meta.inputSize;
    if (h !== w) throw new Error(`input size ${h}x${w}: only square inputs are supported`);
    if (decoded.has(variant(meta))) continue;
    decoded.set(variant(meta), (await decodeAll(items.map((i) => i.path), h, `decode ${h}px`, meta.crop)).pixels);
  }
  const usable = items.map((_, i) => i).filter((i) => [...decoded.values()].every((pixels) => pixels[i]));
  if (usable.length === 0) throw new Error(`none of the ${items.length} photos could be decoded`);

  const contenders: Contender[] = [];
  for (const { role, dir, meta } of metas) {
    const net = await loadModel(dir);
    const [h, w] = inputSizeOf(net);
    if (h !== meta.inputSize[0] || w !== meta.inputSize[1]) throw new Error(`${dir}: model input ${h}x${w} differs from metadata ${meta.inputSize.join('x')}`);
    const pixels = decoded.get(variant(meta))!;
    const photos = usable.map((i) => normalize(pixels[i]!, meta.normalization));
    const px = photos[0]!.length;
    const batches = Array.from({ length: Math.ceil(photos.length / opts.batch) }, (_, b) => {
      const input = new Float32Array(opts.batch * px);
      for (let k = 0; k < opts.batch; k++) input.set(photos[(b * opts.batch + k) % photos.length]!, k * px);
      return input;
    });
    contenders.push({ role, dir, meta, net, photos, batches, batch1: [], batchN: [] });
  }

  // Warm-up, not counted: the first calls allocate and (on some backends) compile.
  for (const c of contenders) {
    await predictMs(c, c.photos[0]!, 1);
    await predictMs(c, c.photos[0]!, 1);
    await predictMs(c, c.batches[0]!, opts.batch);
  }

  const loadBefore = loadavg()[0]!;
  const nBatches = contenders[0]!.batches.length;
  const progress = new Progress('timing', opts.rounds * (usable.length + nBatches) * contenders.length, 'predict');
  // Who goes first alternates from photo to photo and, for the same photo, from round to round.
  for (let r = 0; r < opts.rounds; r++) {
    for (let i = 0; i < usable.length; i++) {
      for (const c of inTurn(r + i, contenders)) {
        c.batch1.push(await predictMs(c, c.photos[i]!, 1));
        progress.tick();
      }
    }
    for (let b = 0; b < nBatches; b++) {
      for (const c of inTurn(r + b, contenders)) {
        c.batchN.push((await predictMs(c, c.batches[b]!, opts.batch)) / opts.batch);
        progress.tick();
      }
    }
  }
  progress.finish();
  const loadAfter = loadavg()[0]!;
  for (const c of contenders) c.net.dispose();

  const batchKey = `batch${opts.batch}`;
  const figures: Record<string, Record<string, unknown>> = {};
  for (const c of contenders) {
    figures[c.role] = {
      ...modelInfo(c.dir, c.meta),
      predictMsPerPhoto: { batch1: summarize(c.batch1), [batchKey]: summarize(c.batchN) }
    };
  }
  if (opts.accuracy) {
    const photos = chooseExamples([{ root: opts.data, role: 'data' }], opts.split);
    for (const c of contenders) {
      const r = await evaluate(photos, {
        model: c.dir,
        cacheDir: join(ROOT, '.cache'),
        workers: defaultWorkers(),
        batchSize: opts.batch,
        backend: opts.backend
      });
      figures[c.role]!.accuracy = { value: r.report.main.accuracy, n: r.report.main.n, split: r.split };
    }
  }

  const [model, baseline] = contenders;
  const ratio = (pick: (c: Contender) => number[]) => pairedSpeedup(pick(baseline!), pick(model!));
  return {
    bench: 'model',
    when: new Date().toISOString(),
    backend,
    machine: { cpus: cpus().length, node: process.version, loadAverage: { before: loadBefore, after: loadAfter } },
    data: `${scan.root}${split === 'all' ? '' : `/${split}`}`,
    photos: usable.length,
    rounds: opts.rounds,
    batch: opts.batch,
    ...figures,
    ...(baseline
      ? { speedup: ratio((c) => c.batch1), speedupByBatch: { 1: ratio((c) => c.batch1), [opts.batch]: ratio((c) => c.batchN) } }
      : {}),
    notes:
      'predictMsPerPhoto: input array to output values read back, per photo (a batch call divided by its size); p50/p95 nearest rank over every photo and round. Each round runs every photo once at batch 1 and once in batches; the models take turns at every step (A B, B A, …), each on the photos decoded at its own input size. speedup = median over back-to-back pairs (same photo, same step) of baseline time / model time, at batch 1; speedupByBatch the same per batch size.'
  };
}
