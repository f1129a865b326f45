/**
 * `npm run eval`: any exported model (two or three classes) on any sources of photos, with the
 * app's verdict rule and the model's own threshold. Sources with split folders contribute the chosen
 * split; folders without splits contribute every image; an extra source's val/test photos are the
 * "other sources" figure.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { initBackend, type NodeBackend } from './backend.ts';
import { gatherExamples, type Gathered, type SourceSpec } from './data/examples.ts';
import type { LabelIndex } from './data/scan.ts';
import type { Split } from './data/split.ts';
import { readMetadata } from './metadata.ts';
import { activationJob, computeActivations } from './model/activations.ts';
import { buildReport, type Report } from './report.ts';

/** The photos an eval measures: chosen once, so several models run on the very same list. */
export interface EvalSet extends Gathered {
  split: Split;
}

export interface EvalOptions {
  model: string;
  cacheDir: string;
  workers: number;
  batchSize: number;
  backend?: NodeBackend;
}

export interface EvalResult {
  model: { dir: string; version: string; labels: readonly string[]; bytes: number; unsureThreshold: number };
  backend: string;
  split: Split;
  sources: { name: string; root: string; role: string; layout: string }[];
  report: Report;
  skipped: { rel: string; reason: string; source?: string }[];
  /** every photo evaluated, in a stable order, with the model's probabilities (labels order) */
  predictions: Prediction[];
  msPerImage: number;
}

export interface Prediction {
  source: string;
  /** 0 cat, 1 dog, 2 neither */
  label: LabelIndex;
  probabilities: number[];
}

/**
 * The photos of `split`: sources with split folders (or carved, with `seed`, training's default)
 * contribute that split, the others every image.
 */
export function chooseExamples(sources: readonly SourceSpec[], split: Split, seed = 42): EvalSet {
  const gathered = gatherExamples(sources, { seed, synthetic: { train: 0, val: 0, test: 0 }, carve: false, requireAll: false });
  const bySplit = new Set(gathered.sources.filter((s) => s.layout === 'splits' || s.carved).map((s) => s.name));
  const examples = gathered.examples.filter((e) => e.reportOnly || !bySplit.has(e.source) || e.split === split);
  if (examples.length === 0) throw new Error(`no images in split "${split}" of ${sources.map((s) => s.root).join(', ')}`);
  return { ...gathered, examples, split };
}

export async function evaluate(set: EvalSet, o: EvalOptions): Promise<EvalResult> {
  const backend = await initBackend({ prefer: o.backend });
  const dir = resolve(o.model);
  const meta = readMetadata(dir);
  const chosen = set.examples;
  // Results are cached per model (its files' hashes) and image, so a second eval is instant.
  const modelKey = createHash('sha256')
    .update(meta.files.map((f) => f.sha256).join())
    .digest('hex')
    .slice(0, 16);
  const res = await computeActivations(
    chosen.map((e) => activationJob(e)),
    {
      spec: { modelDir: dir, exported: true, size: meta.inputSize[0], crop: meta.crop, norm: meta.normalization },
      cacheDir: resolve(o.cacheDir, 'eval', modelKey),
      workers: o.workers,
      batchSize: o.batchSize,
      label: `eval ${meta.version}`,
      backend: o.backend
    }
  );
  const ok = chosen.map((_, i) => i).filter((i) => res.rows[i]);
  const failed = new Map(res.failures.map((f) => [f.index, f.reason]));
  const probs = ok.map((i) => Array.from(res.rows[i]!));
  return {
    model: { dir, version: meta.version, labels: meta.labels, bytes: meta.files.reduce((a, f) => a + f.bytes, 0), unsureThreshold: meta.unsureThreshold },
    backend,
    split: set.split,
    sources: set.sources.map((s) => ({ name: s.name, root: s.root, role: s.role, layout: s.layout })),
    report: buildReport(
      ok.map((i) => chosen[i]!),
      probs,
      meta.unsureThreshold
    ),
    predictions: ok.map((i, k) => {
      const e = chosen[i]!;
      return { source: e.source, label: e.label, probabilities: probs[k]! };
    }),
    skipped: [...set.skipped, ...[...failed].map(([i, reason]) => ({ rel: chosen[i]!.rel, source: chosen[i]!.source, reason: `decode failed: ${reason}` }))],
    msPerImage: res.computed ? Math.round((res.predictMs / res.computed) * 10) / 10 : 0
  };
}
