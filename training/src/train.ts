/**
 * `npm run train`, as named stages a test can call one by one:
 *   gather (scan + fingerprint) → activations (decode/augment → frozen backbone, cached, in workers)
 *   → fit (softmax head; optionally fine-tunes the last pointwise conv) → calibrate (neither bias + unsure threshold on val)
 *   → evaluate (per split, source, class and category) → quantize (measured) → export → record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { MOBILENET_NORMALIZATION } from '../../web/src/lib/classifier/preprocess.ts';
import { initBackend, type NodeBackend } from './backend.ts';
import { calibrate, type CalibrationTargets } from './calibrate.ts';
import { augmentKey, augmentParams, type AugmentConfig } from './data/augment.ts';
import { examplesFingerprint, gatherExamples, readExclusions, requireHeldOut, type Example, type Gathered, type SourceSpec, type SyntheticCounts } from './data/examples.ts';
import { countBy, CLASS_NAMES, type Counts } from './data/scan.ts';
import { buildMetadata, versionFor, writeMetadata } from './metadata.ts';
import { computeMetrics, type Metrics } from './metrics.ts';
import { activationJob, computeActivations, type ActivationJob } from './model/activations.ts';
import { backboneDir, loadBackbone, splitBackbone, type BackboneSplit } from './model/backbone.ts';
import { composeModel } from './model/compose.ts';
import { loadCut, type CutSpec } from './model/cut.ts';
import { modelArtifacts, writeModel, type WrittenFile } from './model/io.ts';
import { POLICIES, quantizedBytes, type PolicyName, type WeightSpec } from './model/quantize.ts';
import { addNeitherBias, createTop, headDescription, disposeTop, fitTop, predictTop, type EpochRecord, type RowSet, type Top, type TopConfig } from './model/top.ts';
import { buildReport, formatReport, type Report } from './report.ts';
import { newRunId, saveRun, type RunRecord } from './tracking.ts';

export interface TrainConfig {
  sources: SourceSpec[];
  synthetic: SyntheticCounts;
  backbonesRoot: string;
  backbone: string;
  size: number;
  /** centre share of each side of a photo the model sees (1 = the whole photo) */
  crop: number;
  augment: AugmentConfig;
  augmentCopies: number;
  top: TopConfig;
  /** what the neither bias and unsure threshold aim at, on validation */
  targets: CalibrationTargets;
  /** times each training photo of an extra source (photos from elsewhere) is shown per epoch */
  extraRepeat: number;
  /** quantization policies to try, smallest first; the first within maxQuantDrop of float32 wins */
  quantize: PolicyName[];
  maxQuantDrop: number;
  maxBytes: number;
  out: string;
  cacheDir: string;
  runsDir: string;
  seed: number;
  workers: number;
  batchSize: number;
  backend?: NodeBackend;
}

export const defaultWorkers = () => Math.max(1, Math.min(4, availableParallelism()));

/** Everything the stages pass on: the examples kept and their activations per view. */
export interface Prepared {
  gathered: Gathered;
  examples: Example[];
  skipped: { rel: string; reason: string; source?: string }[];
  split: BackboneSplit;
  cut: CutSpec;
  /** views[0] = original images (all examples); views[1..] = augmented copies (train examples, else the original) */
  views: (Float32Array | null)[][];
  computed: number;
  predictMs: number;
}

type Timings = Record<string, number>;

function timed<T>(timings: Timings, name: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  return f().finally(() => (timings[name] = Math.round(performance.now() - t0)));
}

/** Stage 1: scan every source, add the synthetic images. Fails before any work on a missing class. */
export function gather(cfg: Pick<TrainConfig, 'sources' | 'synthetic' | 'seed'>): Gathered {
  const g = gatherExamples(cfg.sources, { seed: cfg.seed, synthetic: cfg.synthetic, exclude: readExclusions() });
  for (const s of g.sources) {
    const carved = s.carved ? ', val and test carved with the seed' : '';
    console.log(`data: ${s.name} (${s.role}, ${s.layout}${carved}) train ${JSON.stringify(s.counts.train)} val ${JSON.stringify(s.counts.val)} test ${JSON.stringify(s.counts.test)}`);
  }
  requireHeldOut(g.examples);
  return g;
}

/** Stage 2: frozen-backbone activations of every example (and augmented copies of train), cached. */
export async function activations(cfg: TrainConfig, gathered: Gathered): Promise<Prepared> {
  const backbone = await loadBackbone(backboneDir(cfg.backbone, cfg.backbonesRoot), cfg.size);
  const split = splitBackbone(backbone);
  backbone.dispose();
  const cut: CutSpec = { modelDir: backboneDir(cfg.backbone, cfg.backbonesRoot), cut: split.cut, size: cfg.size, crop: cfg.crop, norm: MOBILENET_NORMALIZATION };
  const root = resolve(cfg.cacheDir, `${cfg.backbone}-${split.cut}-${cfg.size}${cfg.crop < 1 ? `-crop${cfg.crop}` : ''}`);
  const examples = gathered.examples;
  const viewSpecs: { key: string; jobs: ActivationJob[]; owners: number[] }[] = [
    { key: 'orig', jobs: examples.map((e) => activationJob(e)), owners: examples.map((_, i) => i) }
  ];
  const trainIdx = examples.map((e, i) => (e.split === 'train' ? i : -1)).filter((i) => i >= 0);
  for (let c = 1; c <= cfg.augmentCopies; c++) {
    viewSpecs.push({
      key: augmentKey(cfg.augment, cfg.seed, c),
      jobs: trainIdx.map((i) => activationJob(examples[i]!, { aug: augmentParams(cfg.augment, cfg.seed, examples[i]!.id, c) })),
      owners: trainIdx
    });
  }
  const views: (Float32Array | null)[][] = [];
  const failed = new Map<number, string>();
  let computed = 0;
  let predictMs = 0;
  for (const [vi, v] of viewSpecs.entries()) {
    const res = await computeActivations(v.jobs, {
      spec: cut,
      cacheDir: join(root, v.key),
      workers: cfg.workers,
      batchSize: cfg.batchSize,
      label: `${cfg.backbone}@${cfg.size} ${vi === 0 ? 'images' : `augmented copy ${vi}`}`,
      backend: cfg.backend
    });
    computed += res.computed;
    predictMs += res.predictMs;
    const rows: (Float32Array | null)[] = new Array(examples.length).fill(null);
    v.owners.forEach((owner, j) => (rows[owner] = res.rows[j] ?? null));
    for (const f of res.failures) if (!failed.has(v.owners[f.index]!)) failed.set(v.owners[f.index]!, f.reason);
    views.push(rows);
  }
  // Files that could not be decoded are skipped and reported, and are not part of the data.
  const keep = examples.map((_, i) => !failed.has(i));
  const skipped = [
    ...gathered.skipped,
    ...[...failed].map(([i, reason]) => ({ rel: examples[i]!.rel, source: examples[i]!.source, reason: `decode failed: ${reason}` }))
  ];
  return {
    gathered,
    examples: examples.filter((_, i) => keep[i]),
    skipped,
    split,
    cut,
    views: views.map((rows) => rows.filter((_, i) => keep[i])),
    computed,
    predictMs
  };
}

/** Row sets over a subset of examples; training rows cycle through the views an example has. */
export function rowSet(p: Prepared, idx: readonly number[], withViews = false): RowSet {
  return {
    n: idx.length,
    labels: Uint8Array.from(idx.map((i) => p.examples[i]!.label)),
    row: (k, epoch) => {
      if (withViews && epoch > 0) {
        const r = p.views[epoch % p.views.length]![idx[k]!];
        if (r) return r;
      }
      return p.views[0]![idx[k]!]!;
    }
  };
}

export const indicesWhere = (p: Prepared, f: (e: Example) => boolean) => p.examples.map((e, i) => (f(e) ? i : -1)).filter((i) => i >= 0);

/** Stage 3: train the head (and, with fineTune, the last pointwise conv); early stopping on validation. */
export async function fit(p: Prepared, cfg: TopConfig, extraRepeat = 1): Promise<{ top: Top; history: EpochRecord[]; bestEpoch: number }> {
  const top = createTop(p.split, CLASS_NAMES.length, cfg.seed, cfg.pooling, cfg.hidden);
  // Photos from other sources are few and unlike the main set: shown more often, they weigh more.
  const trainIdx = indicesWhere(p, (e) => e.split === 'train').flatMap((i) => Array(p.examples[i]!.role === 'extra' ? extraRepeat : 1).fill(i));
  const train = rowSet(p, trainIdx, true);
  const val = rowSet(p, indicesWhere(p, (e) => e.split === 'val' && !e.reportOnly));
  const { history, bestEpoch } = await fitTop(top, train, val, cfg, p.views.length);
  return { top, history, bestEpoch };
}

/** Stage 5: the figures of one split, plus the report-only cat/dog photos from other sources. */
export function evaluateSplit(p: Prepared, probs: readonly (readonly number[])[], threshold: number, split: 'val' | 'test'): Report {
  const idx = indicesWhere(p, (e) => e.reportOnly || e.split === split);
  return buildReport(idx.map((i) => p.examples[i]!), idx.map((i) => probs[i]!), threshold);
}

export interface QuantizeResult {
  policy: PolicyName;
  files: WrittenFile[];
  bytes: number;
  /** test-split figures of the written model, measured by running it */
  metrics: Metrics;
  candidates: { policy: string; bytes: number; accuracy: number; nonPetRejected: number }[];
}

/**
 * Stage 6+7: compose the exported model, then for each policy (smallest first) write it, run it on
 * the test split, and keep the first whose pet accuracy and non-pet rejection are within
 * maxQuantDrop of float32. Runs the real quantized files, so the figures are the app's.
 */
export async function quantizeAndExport(
  cfg: TrainConfig,
  p: Prepared,
  top: Top,
  float32Test: Metrics,
  threshold: number
): Promise<QuantizeResult> {
  const frozen = await loadCut(p.cut);
  const model = composeModel(frozen, top, cfg.size);
  const artifacts = await modelArtifacts(model);
  model.dispose(); // and the frozen part nested in it
  const specs = artifacts.weightSpecs as WeightSpec[];
  const bytes = (q: PolicyName) => quantizedBytes(specs, POLICIES[q]);
  const sized = [...cfg.quantize].sort((a, b) => bytes(a) - bytes(b));
  const candidates = sized.filter((q) => bytes(q) <= cfg.maxBytes);
  for (const q of sized.filter((x) => !candidates.includes(x))) console.log(`  ${q}: ${(bytes(q) / 1e6).toFixed(2)} MB, over --max-bytes, not tried`);
  if (candidates.length === 0) throw new Error(`every --quantize policy is over --max-bytes ${cfg.maxBytes}`);
  const testIdx = indicesWhere(p, (e) => e.split === 'test' && !e.reportOnly);
  const labels = testIdx.map((i) => p.examples[i]!.label);
  const tried: QuantizeResult['candidates'] = [];
  let chosen: { policy: PolicyName; metrics: Metrics } | null = null;
  let best: { policy: PolicyName; metrics: Metrics } | null = null;
  for (const policy of candidates) {
    const dir = mkdtempSync(join(tmpdir(), 'pawlens-q-'));
    try {
      const files = writeModel(dir, artifacts, POLICIES[policy]);
      const hash = files.find((f) => f.path.endsWith('.bin'))!.sha256.slice(0, 16);
      const res = await computeActivations(
        testIdx.map((i) => activationJob(p.examples[i]!)),
        {
          spec: { modelDir: dir, exported: true, size: cfg.size, crop: cfg.crop, norm: p.cut.norm },
          cacheDir: resolve(cfg.cacheDir, 'exported', `${policy}-${hash}`),
          workers: cfg.workers,
          batchSize: cfg.batchSize,
          label: `test split, ${policy} model`,
          backend: cfg.backend
        }
      );
      // These photos all decoded in stage 2; one failing now is a fault, not a skip.
      if (res.failures.length) throw new Error(`the ${policy} model could not read ${res.failures.length} test image(s): ${res.failures[0]!.reason}`);
      const probs = res.rows.map((r) => Array.from(r!));
      const m = computeMetrics(probs, labels, threshold);
      tried.push({ policy, bytes: bytes(policy), accuracy: m.accuracy, nonPetRejected: m.nonPetRejected });
      console.log(`  ${policy}: ${(bytes(policy) / 1e6).toFixed(2)} MB, test pet accuracy ${(m.accuracy * 100).toFixed(2)}%, non-pet rejected ${(m.nonPetRejected * 100).toFixed(2)}%`);
      if (!best || m.accuracy > best.metrics.accuracy) best = { policy, metrics: m };
      if (float32Test.accuracy - m.accuracy <= cfg.maxQuantDrop && float32Test.nonPetRejected - m.nonPetRejected <= cfg.maxQuantDrop) {
        chosen = { policy, metrics: m };
        break;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (!chosen) {
    console.warn(`WARNING: no quantization within ${cfg.maxQuantDrop * 100} points of float32 fits --max-bytes; writing the most accurate one tried`);
    chosen = best!;
  }
  const files = writeModel(resolve(cfg.out), artifacts, POLICIES[chosen.policy]);
  return { policy: chosen.policy, files, bytes: files.reduce((a, f) => a + f.bytes, 0), metrics: chosen.metrics, candidates: tried };
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

export async function train(cfg: TrainConfig): Promise<RunRecord> {
  const t0 = performance.now();
  const timings: Timings = {};
  const backend = await initBackend({ prefer: cfg.backend });
  const runId = newRunId();

  const gathered = gather(cfg);
  const p = await timed(timings, 'activationsMs', () => activations(cfg, gathered));
  timings.imagesComputed = p.computed;
  timings.backboneMsPerImage = p.computed ? Math.round((p.predictMs / p.computed) * 10) / 10 : 0;
  const fingerprint = examplesFingerprint(p.examples);
  const counts: Counts = countBy(p.examples);
  // Per source, the photos used: without those that failed to decode.
  const sources = gathered.sources.map((s) => ({ ...s, counts: countBy(p.examples.filter((e) => e.source === s.name)) }));
  console.log(`dataset fingerprint ${fingerprint.slice(0, 16)}…  train ${JSON.stringify(counts.train)} val ${JSON.stringify(counts.val)} test ${JSON.stringify(counts.test)}`);

  const { top, history, bestEpoch } = await timed(timings, 'fitMs', () => fit(p, cfg.top, cfg.extraRepeat));
  const all = rowSet(p, p.examples.map((_, i) => i));

  // Stage 4: calibrate on validation, then fold the neither bias into the head. Real photos only: the
  // synthetic images are all turned away with ease, and would make non-pets look easier than they are.
  const valIdx = indicesWhere(p, (e) => e.split === 'val' && !e.reportOnly && e.role !== 'synthetic');
  const trained = predictTop(top, rowSet(p, valIdx));
  const unsure = calibrate(trained, valIdx.map((i) => p.examples[i]!.label), cfg.targets);
  addNeitherBias(top, unsure.neitherBias);
  const probs = predictTop(top, all);
  console.log(
    `calibrated on validation: neither bias ${unsure.neitherBias}, unsure below ${unsure.threshold} (val: pets turned away ${pct(unsure.petRejected)}, non-pets turned away ${pct(unsure.nonPetRejected)})`
  );
  const val = evaluateSplit(p, probs, unsure.threshold, 'val');
  const test = evaluateSplit(p, probs, unsure.threshold, 'test');
  console.log(`\nfloat32, unsure below ${unsure.threshold}:\n${formatReport(test, 'test split')}\n`);

  const q = await timed(timings, 'quantizeMs', () => quantizeAndExport(cfg, p, top, test.main, unsure.threshold));
  const created = new Date();
  const version = versionFor(created, runId);
  const shipped = q.metrics;
  const meta = buildMetadata({
    version,
    created,
    size: cfg.size,
    crop: cfg.crop,
    normalization: p.cut.norm,
    unsureThreshold: unsure.threshold,
    metrics: {
      accuracy: shipped.accuracy,
      precision: Object.fromEntries(CLASS_NAMES.map((l) => [l, shipped.perClass[l].precision])),
      recall: Object.fromEntries(CLASS_NAMES.map((l) => [l, shipped.perClass[l].recall])),
      f1: Object.fromEntries(CLASS_NAMES.map((l) => [l, shipped.perClass[l].f1])),
      logLoss: shipped.logLoss,
      ece: shipped.ece,
      confusion: shipped.confusion,
      n: shipped.n,
      nonPetRejected: shipped.nonPetRejected,
      petRejected: shipped.petRejected,
      split: 'test',
      float32Accuracy: test.main.accuracy,
      crossSourceRight: test.crossSource?.petRight
    },
    datasetFingerprint: fingerprint,
    backend,
    runId,
    files: q.files,
    extra: {
      // What the fingerprint covers: each source by name, with its photos per split and label.
      datasetSources: sources.map(({ name, role, layout, carved, counts }) => ({ name, role, layout, carved, counts })),
      architecture: {
        backbone: cfg.backbone,
        frozenUpTo: p.split.cut,
        fineTuned: cfg.top.fineTune ? 'last pointwise conv + head' : 'head only',
        head: headDescription(cfg.top),
        output: `softmax [${CLASS_NAMES.join(', ')}]`
      },
      quantization: { policy: q.policy, candidates: q.candidates },
      unsure,
      history
    }
  });
  writeMetadata(resolve(cfg.out), meta);

  timings.totalMs = Math.round(performance.now() - t0);
  const run: RunRecord = {
    id: runId,
    created: created.toISOString(),
    status: 'finished',
    params: {
      backbone: cfg.backbone,
      size: cfg.size,
      crop: cfg.crop,
      sources: cfg.sources,
      synthetic: cfg.synthetic,
      augmentCopies: cfg.augmentCopies,
      augment: cfg.augment,
      top: cfg.top,
      targets: cfg.targets,
      extraRepeat: cfg.extraRepeat,
      quantize: cfg.quantize,
      seed: cfg.seed
    },
    backend,
    data: { fingerprint, counts, sources, skipped: p.skipped },
    history,
    bestEpoch,
    metrics: { val: val.main, test: test.main, crossSource: test.crossSource, shipped, groups: { val: val.groups, test: test.groups } },
    unsure,
    quantization: { chosen: q.policy, candidates: q.candidates },
    worstMistakes: test.worst,
    model: { out: resolve(cfg.out), bytes: q.bytes, version },
    timings
  };
  const runDir = saveRun(cfg.runsDir, run);
  disposeTop(top);
  tf.disposeVariables();
  console.log(`\nmodel ${version} → ${resolve(cfg.out)} (${(q.bytes / 1e6).toFixed(2)} MB, ${q.policy})`);
  console.log(
    `test: pet accuracy ${pct(shipped.accuracy)} (float32 ${pct(test.main.accuracy)}), pets answered neither/unsure ${pct(shipped.petRejected)}, non-pets answered neither/unsure ${pct(shipped.nonPetRejected)}`
  );
  if (test.crossSource) console.log(`cat/dog photos from other sources: ${pct(test.crossSource.petRight)} right verdicts (float32)`);
  if (p.skipped.length > 0) console.log(`skipped ${p.skipped.length} file(s): ${p.skipped.map((s) => `${s.rel} (${s.reason})`).join('; ')}`);
  console.log(`run record: ${runDir}  total ${(timings.totalMs / 1000).toFixed(1)} s`);
  return run;
}
