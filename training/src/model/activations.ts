/**
 * Frozen-backbone activations per image and view, cached on disk by (backbone, cut, size, view,
 * example id): a second run reads them back instead of decoding and running the backbone. Missing
 * ones are computed by a pool of worker threads, each with its own tfjs backend (one per core), or
 * in-process with `workers: 1`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { NodeBackend } from '../backend.ts';
import { Progress } from '../progress.ts';
import { loadCut, runTasks, type ActivationOutput, type ActivationTask, type CutSpec } from './cut.ts';
import type { PixelSource } from '../data/pixels.ts';

export interface ActivationJob extends ActivationTask {
  /** example id (file sha256 or synthetic id): the cache key within a view */
  id: string;
}

/** The job for one example (a photo file or a synthetic image) in one view (default: as it is). */
export function activationJob(e: { id: string } & PixelSource, view: ActivationTask['view'] = {}): ActivationJob {
  return { id: e.id, src: { path: e.path, synthetic: e.synthetic }, view };
}

export interface ActivationOptions {
  spec: CutSpec;
  /** folder for this backbone + cut + size + view */
  cacheDir: string;
  workers: number;
  batchSize: number;
  label: string;
  backend?: NodeBackend;
}

export interface ActivationResult {
  /** one row per job, null where the image could not be read */
  rows: (Float32Array | null)[];
  failures: { index: number; reason: string }[];
  cached: number;
  computed: number;
  /** backbone time summed over workers, for ms/image figures */
  predictMs: number;
}

function cachePath(dir: string, id: string, ext: 'f32' | 'bad'): string {
  return join(dir, id.slice(0, 2), `${id}.${ext}`);
}

function writeCache(file: string, data: Uint8Array | string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, data);
}

type Runner = { run(tasks: ActivationTask[]): Promise<ActivationOutput>; close(): Promise<void> };

async function inProcess(spec: CutSpec): Promise<Runner> {
  const model = await loadCut(spec);
  return {
    run: (tasks) => runTasks(model, spec, tasks),
    close: async () => {
      model.dispose();
    }
  };
}

async function worker(spec: CutSpec, backend?: NodeBackend): Promise<Runner> {
  const w = new Worker(new URL('../workers/shim.mjs', import.meta.url), {
    workerData: { entry: new URL('../workers/activations.worker.ts', import.meta.url).href, spec, backend }
  });
  await new Promise<void>((ready, reject) => {
    w.once('error', reject);
    w.once('message', () => ready());
  });
  const pending = new Map<number, { ok: (o: ActivationOutput) => void; fail: (e: Error) => void }>();
  let failed: Error | null = null;
  w.on('error', (e) => {
    failed = e;
    for (const p of pending.values()) p.fail(e);
    pending.clear();
  });
  w.on('message', (m: ActivationOutput & { id: number }) => {
    pending.get(m.id)?.ok(m);
    pending.delete(m.id);
  });
  let next = 0;
  return {
    run: (tasks) =>
      new Promise((ok, fail) => {
        if (failed) return fail(failed);
        const id = next++;
        pending.set(id, { ok, fail });
        w.postMessage({ id, tasks });
      }),
    close: async () => {
      await w.terminate();
    }
  };
}

export async function computeActivations(jobs: readonly ActivationJob[], o: ActivationOptions): Promise<ActivationResult> {
  const rows: (Float32Array | null)[] = new Array(jobs.length).fill(null);
  const failures: ActivationResult['failures'] = [];
  const todo: number[] = [];
  let cached = 0;
  jobs.forEach((j, i) => {
    const f = cachePath(o.cacheDir, j.id, 'f32');
    const bad = cachePath(o.cacheDir, j.id, 'bad');
    if (existsSync(f)) {
      const b = readFileSync(f);
      rows[i] = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
      cached++;
    } else if (existsSync(bad)) {
      failures.push({ index: i, reason: readFileSync(bad, 'utf8') });
      cached++;
    } else todo.push(i);
  });
  if (todo.length === 0) return { rows, failures, cached, computed: 0, predictMs: 0 };

  const batches: number[][] = [];
  for (let s = 0; s < todo.length; s += o.batchSize) batches.push(todo.slice(s, s + o.batchSize));
  const n = Math.max(1, Math.min(o.workers, batches.length));
  const runners = await Promise.all(Array.from({ length: n }, () => (n === 1 ? inProcess(o.spec) : worker(o.spec, o.backend))));
  const progress = new Progress(`${o.label}`, todo.length);
  let predictMs = 0;
  let taken = 0;
  try {
    // Each runner takes the next batch when it is free; results are cached as they arrive.
    await Promise.all(
      runners.map(async (runner) => {
        while (taken < batches.length) {
          const batch = batches[taken++]!;
          const out = await runner.run(batch.map((i) => ({ src: jobs[i]!.src, view: jobs[i]!.view })));
          predictMs += out.predictMs;
          batch.forEach((i, k) => {
            const row = out.rows[k];
            const err = out.errors[k];
            if (row) {
              rows[i] = row;
              writeCache(cachePath(o.cacheDir, jobs[i]!.id, 'f32'), new Uint8Array(row.buffer, row.byteOffset, row.byteLength));
            } else {
              failures.push({ index: i, reason: err ?? 'unknown error' });
              writeCache(cachePath(o.cacheDir, jobs[i]!.id, 'bad'), err ?? 'unknown error');
            }
          });
          progress.tick(batch.length);
        }
      })
    );
  } finally {
    await Promise.all(runners.map((r) => r.close()));
  }
  progress.finish();
  failures.sort((a, b) => a.index - b.index);
  return { rows, failures, cached, computed: todo.length, predictMs };
}
