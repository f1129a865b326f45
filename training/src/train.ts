/**
 * `npm run train`: scan → fingerprint → decode/augment → cached backbone features → head →
 * evaluate → quantize (measured) → export model/ + metadata.json → run record in runs/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { MOBILENET_NORMALIZATION } from '../../web/src/lib/classifier/preprocess.ts';
import { initBackend, type NodeBackend } from './backend.ts';
import { augmentKey, augmentParams, type AugmentConfig } from './data/augment.ts';
import { CLASS_NAMES, countBy, fingerprintOf, scanDataset, type ImageItem } from './data/scan.ts';
import { buildMetadata, versionFor, writeMetadata } from './metadata.ts';
import { chooseUnsureThreshold, computeMetrics, worstMistakes, type Metrics } from './metrics.ts';
import { backboneDir, featureExtractor, loadBackbone, trunk } from './model/backbone.ts';
import { composeModel } from './model/compose.ts';
import { appendRow, extractFeatures, type FeatureJob } from './model/features.ts';
import { trainHead, predictDog, type HeadConfig, type Matrix } from './model/head.ts';
import { loadModel, modelArtifacts, writeModel } from './model/io.ts';
import { quantizedPredictions } from './model/quantized-eval.ts';
import { POLICIES, quantizedBytes, type PolicyName, type WeightSpec } from './model/quantize.ts';
import { newRunId, saveRun, type RunRecord } from './tracking.ts';

export interface TrainConfig {
  data: string;
  backbonesRoot: string;
  backbones: string[];
  size: number;
  augment: AugmentConfig;
  augmentCopies: number;
  tta: boolean;
  head: HeadConfig;
  /** quantization policies to try, smallest first wins if within maxQuantDrop of float32 */
  quantize: PolicyName[];
  maxQuantDrop: number;
  /** weight bytes a shipped model may take; bigger quantizations are not tried */
  maxBytes: number;
  maxUnsure: number;
  featureBatch: number;
  out: string;
  cacheDir: string;
  runsDir: string;
  seed: number;
  backend?: NodeBackend;
}


interface Variant {
  key: string;
  jobs: FeatureJob[];
  /** index into the scanned items for each job */
  owners: number[];
}

function toMatrix(rows: Float32Array[], labels: number[], dim: number): Matrix {
  const x = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => x.set(r, i * dim));
  return { x, y: Uint8Array.from(labels), n: rows.length, dim };
}

export async function train(cfg: TrainConfig): Promise<RunRecord> {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number) => (timings[name] = Math.round(performance.now() - since));
  const backend = await initBackend({ prefer: cfg.backend });
  const runId = newRunId();
  const norm = MOBILENET_NORMALIZATION;

  // 1. Scan.
  let t = performance.now();
  const scan = scanDataset(cfg.data, { seed: cfg.seed });
  lap('scanMs', t);
  console.log(`data: ${scan.root} (${scan.layout}), ${scan.items.length} images, ${scan.skipped.length} skipped`);

  // 2-4. Features per backbone and variant (original, augmented copies of train, mirrored val/test).
  const items = scan.items;
  const variants: Variant[] = [{ key: 'orig', jobs: items.map((i) => ({ path: i.path, sha256: i.sha256 })), owners: items.map((_, k) => k) }];
  const trainIdx = items.map((it, k) => (it.split === 'train' ? k : -1)).filter((k) => k >= 0);
  for (let c = 1; c <= cfg.augmentCopies; c++) {
    variants.push({
      key: augmentKey(cfg.augment, cfg.seed, c),
      jobs: trainIdx.map((k) => ({ path: items[k]!.path, sha256: items[k]!.sha256, aug: augmentParams(cfg.augment, cfg.seed, items[k]!.sha256, c) })),
      owners: trainIdx
    });
  }
  const evalIdx = items.map((it, k) => (it.split !== 'train' ? k : -1)).filter((k) => k >= 0);
  if (cfg.tta) {
    variants.push({ key: 'mirror', jobs: evalIdx.map((k) => ({ path: items[k]!.path, sha256: items[k]!.sha256, mirror: true })), owners: evalIdx });
  }
  t = performance.now();
  const trunks: tf.LayersModel[] = [];
  // features[variant][job] = concatenation over backbones
  const perVariant: (Float32Array | null)[][] = variants.map((v) => new Array(v.jobs.length).fill(null));
  const failed = new Map<number, string>();
  let dim = 0;
  let extractPredictMs = 0;
  let extracted = 0;
  for (const name of cfg.backbones) {
    const tr = trunk(await loadBackbone(backboneDir(name, cfg.backbonesRoot), cfg.size), name.replace(/[^A-Za-z0-9_]/g, '_'));
    trunks.push(tr);
    const extractor = featureExtractor(tr);
    for (const [vi, v] of variants.entries()) {
      const res = await extractFeatures(v.jobs, {
        extractor,
        size: cfg.size,
        norm,
        cacheDir: resolve(cfg.cacheDir, `${name}-${cfg.size}`, v.key),
        batchSize: cfg.featureBatch,
        label: `${name}@${cfg.size} ${v.key}`
      });
      extractPredictMs += res.predictMs;
      extracted += res.computed;
      for (const f of res.failures) if (!failed.has(v.owners[f.index]!)) failed.set(v.owners[f.index]!, f.reason);
      res.rows.forEach((r, j) => {
        if (r) perVariant[vi]![j] = appendRow(perVariant[vi]![j], r);
      });
      if (vi === 0) dim += res.dim;
    }
  }
  lap('featuresMs', t);
  timings.featureImagesComputed = extracted;
  timings.featurePredictMsPerImage = extracted > 0 ? Math.round((extractPredictMs / extracted) * 10) / 10 : 0;

  // Files that could not be decoded are skipped and reported, and are not part of the data.
  const skipped = [...scan.skipped, ...[...failed].map(([k, reason]) => ({ rel: items[k]!.rel, reason: `decode failed: ${reason}` }))];
  const usable = items.map((_, k) => !failed.has(k));
  const kept = items.filter((_, k) => usable[k]);
  const fingerprint = fingerprintOf(kept);
  const counts = countBy(kept);
  for (const l of CLASS_NAMES) if (counts.train[l] === 0) throw new Error(`no usable ${l} images in the train split`);
  console.log(`dataset fingerprint ${fingerprint.slice(0, 16)}…  train ${JSON.stringify(counts.train)} val ${JSON.stringify(counts.val)} test ${JSON.stringify(counts.test)}`);

  // 5. Matrices: train = originals + augmented copies; val/test = originals (averaged with mirror if TTA).
  const rowsFor = (split: ImageItem['split']) => {
    const rows: Float32Array[] = [];
    const labels: number[] = [];
    const owners: number[] = [];
    variants.forEach((v, vi) => {
      if (split !== 'train' && vi !== 0) return;
      v.owners.forEach((k, j) => {
        const r = perVariant[vi]![j];
        if (items[k]!.split !== split || !usable[k] || !r) return;
        let row = r;
        if (split !== 'train' && cfg.tta) {
          const fv = variants.findIndex((x) => x.key === 'mirror');
          const fj = variants[fv]!.owners.indexOf(k);
          const m = perVariant[fv]![fj];
          if (m) row = row.map((x, d) => (x + m[d]!) / 2);
        }
        rows.push(row);
        labels.push(items[k]!.label);
        owners.push(k);
      });
    });
    return { m: toMatrix(rows, labels, dim), owners };
  };
  const trainM = rowsFor('train');
  const valM = rowsFor('val');
  const testM = rowsFor('test');
  if (valM.m.n === 0 || testM.m.n === 0) throw new Error('validation or test split is empty');

  t = performance.now();
  const { head, history, bestEpoch } = await trainHead(trainM.m, valM.m, cfg.head);
  lap('headMs', t);

  // 6. Evaluate the float32 model on validation (threshold) and test.
  const valP = predictDog(head, valM.m);
  const testP = predictDog(head, testM.m);
  const valMetrics = computeMetrics(valP, Array.from(valM.m.y));
  const testMetrics = computeMetrics(testP, Array.from(testM.m.y));
  const unsure = chooseUnsureThreshold(valP, Array.from(valM.m.y), cfg.maxUnsure);
  console.log(`float32 test accuracy ${(testMetrics.accuracy * 100).toFixed(2)}% (val ${(valMetrics.accuracy * 100).toFixed(2)}%), unsure below ${unsure.threshold.toFixed(3)}`);

  // 8. Compose the single exported model, then measure each quantization policy on the test split.
  t = performance.now();
  const full = composeModel(trunks, head, cfg.size, cfg.tta);
  const artifacts = await modelArtifacts(full);
  const specs = artifacts.weightSpecs as WeightSpec[];
  const sized = [...cfg.quantize].sort((a, b) => quantizedBytes(specs, POLICIES[a]) - quantizedBytes(specs, POLICIES[b]));
  const candidates = sized.filter((p) => quantizedBytes(specs, POLICIES[p]) <= cfg.maxBytes);
  for (const p of sized.filter((x) => !candidates.includes(x))) console.log(`  ${p}: ${(quantizedBytes(specs, POLICIES[p]) / 1e6).toFixed(2)} MB, over --max-bytes, not tried`);
  if (candidates.length === 0) throw new Error(`every --quantize policy is over --max-bytes ${cfg.maxBytes}`);
  const testItems = testM.owners.map((k) => items[k]!);
  const testLabels = Array.from(testM.m.y);
  const testViews = [{ key: 'orig', jobs: testItems.map((i) => ({ path: i.path, sha256: i.sha256 })) }];
  if (cfg.tta) testViews.push({ key: 'mirror', jobs: testItems.map((i) => ({ path: i.path, sha256: i.sha256, mirror: true })) });
  const tried: RunRecord['quantization']['candidates'] = [];
  type Choice = { policy: PolicyName; metrics: Metrics; pDog: number[] };
  let chosen: Choice | null = null;
  let mostAccurate: Choice | null = null as Choice | null;
  for (const policy of candidates) {
    const bytes = quantizedBytes(specs, POLICIES[policy]);
    if (policy === 'float32') {
      // The float32 model is exactly the backbone(s) + head that produced testP.
      tried.push({ policy, bytes, accuracy: testMetrics.accuracy });
      chosen = { policy, metrics: testMetrics, pDog: testP };
      break;
    }
    const dir = mkdtempSync(join(tmpdir(), 'pawlens-q-'));
    writeModel(dir, artifacts, POLICIES[policy]);
    const qModel = await loadModel(dir);
    const pDog = await quantizedPredictions(qModel, trunks.map((tr) => tr.name), testViews, {
      size: cfg.size,
      norm,
      cacheRoot: cfg.cacheDir,
      batchSize: cfg.featureBatch,
      label: `test ${policy}`
    });
    qModel.dispose();
    rmSync(dir, { recursive: true, force: true });
    const p = pDog;
    const m = computeMetrics(p, testLabels);
    tried.push({ policy, bytes, accuracy: m.accuracy });
    console.log(`  ${policy}: ${(bytes / 1e6).toFixed(2)} MB, test accuracy ${(m.accuracy * 100).toFixed(2)}%`);
    if (!mostAccurate || m.accuracy > mostAccurate.metrics.accuracy) mostAccurate = { policy, metrics: m, pDog: p };
    if (testMetrics.accuracy - m.accuracy <= cfg.maxQuantDrop) {
      chosen = { policy, metrics: m, pDog: p };
      break;
    }
  }
  if (!chosen) {
    console.warn(`WARNING: no quantization within ${cfg.maxQuantDrop * 100} points of float32 fits --max-bytes; shipping the most accurate one tried`);
    chosen = mostAccurate!;
  }
  lap('quantizeMs', t);

  // Export.
  const files = writeModel(resolve(cfg.out), artifacts, POLICIES[chosen.policy]);
  const modelBytes = files.reduce((a, f) => a + f.bytes, 0);
  const created = new Date();
  const version = versionFor(created, runId);
  const answered = chosen.pDog.map((p) => Math.max(p, 1 - p) >= unsure.threshold);
  const nAnswered = answered.filter(Boolean).length;
  const okAnswered = chosen.pDog.filter((p, i) => answered[i] && (p >= 0.5 ? 1 : 0) === testLabels[i]).length;
  const unsureRecord = {
    ...unsure,
    testUnsureFraction: 1 - nAnswered / chosen.pDog.length,
    testAccuracyAnswered: nAnswered ? okAnswered / nAnswered : 0
  };
  const meta = buildMetadata({
    version,
    created,
    size: cfg.size,
    normalization: norm,
    unsureThreshold: Math.min(1, Math.max(0.5, unsure.threshold)),
    metrics: { ...chosen.metrics, split: 'test', float32Accuracy: testMetrics.accuracy },
    datasetFingerprint: fingerprint,
    backend,
    runId,
    files,
    extra: {
      architecture: { backbones: cfg.backbones, tta: cfg.tta, head: 'dropout + dense softmax', output: 'softmax [cat, dog]' },
      quantization: { policy: chosen.policy, candidates: tried },
      unsure: unsureRecord,
      // Per-epoch curves for the app's model card.
      history
    }
  });
  writeMetadata(resolve(cfg.out), meta);

  const worst = worstMistakes(chosen.pDog, testLabels, 10).map((i) => ({
    rel: testItems[i]!.rel,
    actual: CLASS_NAMES[testItems[i]!.label],
    pDog: Math.round(chosen.pDog[i]! * 1e4) / 1e4
  }));
  timings.totalMs = Math.round(performance.now() - t0);
  const run: RunRecord = {
    id: runId,
    created: created.toISOString(),
    status: 'finished',
    params: {
      backbones: cfg.backbones.join('+'),
      size: cfg.size,
      tta: cfg.tta,
      augmentCopies: cfg.augmentCopies,
      augment: cfg.augment,
      head: cfg.head,
      quantize: cfg.quantize,
      seed: cfg.seed
    },
    backend,
    data: { root: scan.root, layout: scan.layout, fingerprint, counts, skipped },
    history,
    bestEpoch,
    metrics: { val: valMetrics, test: testMetrics, shipped: chosen.metrics },
    unsure: unsureRecord,
    quantization: { chosen: chosen.policy, candidates: tried },
    worstMistakes: worst,
    model: { out: resolve(cfg.out), bytes: modelBytes, version },
    timings
  };
  const runDir = saveRun(cfg.runsDir, run);
  full.dispose();
  head.dispose();
  console.log(
    `\nmodel ${version} → ${resolve(cfg.out)} (${(modelBytes / 1e6).toFixed(2)} MB, ${chosen.policy}); test accuracy ${(chosen.metrics.accuracy * 100).toFixed(2)}% (float32 ${(testMetrics.accuracy * 100).toFixed(2)}%)`
  );
  if (skipped.length > 0) console.log(`skipped ${skipped.length} file(s): ${skipped.map((s) => `${s.rel} (${s.reason})`).join('; ')}`);
  if (worst.length > 0) console.log(`worst mistakes: ${worst.slice(0, 5).map((w) => `${w.rel} p(dog)=${w.pDog}`).join(', ')}`);
  console.log(`run record: ${runDir}  total ${(timings.totalMs / 1000).toFixed(1)} s`);
  return run;
}
