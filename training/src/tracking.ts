/**
 * The run registry: one folder per training run under runs/ (git-ignored) holding run.json
 * (params, backend, dataset fingerprint, history, metrics) and SVG plots; listing and comparing.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EpochRecord } from './model/top.ts';
import type { Metrics } from './metrics.ts';
import type { GroupFigure } from './report.ts';
import { confusionChart, lineChart } from './plots.ts';

export interface RunRecord {
  id: string;
  created: string;
  status: 'finished';
  params: Record<string, unknown>;
  backend: string;
  data: { fingerprint: string; counts: unknown; sources: unknown[]; skipped: { rel: string; reason: string; source?: string }[] };
  history: EpochRecord[];
  bestEpoch: number;
  /** float32 figures on val and test, cat/dog photos from other sources, and the shipped (quantized) model's on test */
  metrics: { val: Metrics; test: Metrics; crossSource: Metrics | null; shipped: Metrics; groups: { val: GroupFigure[]; test: GroupFigure[] } };
  unsure: { neitherBias: number; threshold: number; petRight: number; petRejected: number; nonPetRejected: number };
  quantization: { chosen: string; candidates: { policy: string; bytes: number; accuracy: number; nonPetRejected: number }[] };
  worstMistakes: { rel: string; actual: string; probabilities: number[] }[];
  model: { out: string; bytes: number; version: string };
  timings: Record<string, number>;
}

export function runsRoot(flag?: string): string {
  return resolve(flag ?? process.env.PAWLENS_RUNS ?? resolve(import.meta.dirname, '../../runs'));
}

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
}

export function saveRun(root: string, run: RunRecord): string {
  const dir = join(root, run.id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
  const h = run.history;
  writeFileSync(
    join(dir, 'loss.svg'),
    lineChart('loss', [
      { name: 'train', values: h.map((e) => e.loss), color: '#1f77b4' },
      { name: 'validation', values: h.map((e) => e.valLoss), color: '#d62728' }
    ])
  );
  writeFileSync(
    join(dir, 'accuracy.svg'),
    lineChart('accuracy', [
      { name: 'train', values: h.map((e) => e.acc), color: '#1f77b4' },
      { name: 'validation', values: h.map((e) => e.valAcc), color: '#d62728' }
    ])
  );
  writeFileSync(join(dir, 'confusion.svg'), confusionChart(run.metrics.shipped.confusion, ['cat', 'dog', 'neither']));
  return dir;
}

export function listRuns(root: string): RunRecord[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'run.json')))
    .sort()
    .map((d) => JSON.parse(readFileSync(join(root, d, 'run.json'), 'utf8')) as RunRecord);
}

const pct = (v: number | undefined) => (v === undefined ? '-' : `${(v * 100).toFixed(2)}%`);

export function runsTable(runs: RunRecord[]): string {
  const rows = runs.map((r) => [
    r.id,
    String(r.params.backbone ?? r.params.backbones ?? ''),
    String(r.params.size ?? ''),
    r.quantization.chosen,
    pct(r.metrics.test.accuracy),
    pct(r.metrics.shipped.accuracy),
    pct(r.metrics.shipped.petRejected),
    pct(r.metrics.shipped.nonPetRejected),
    pct(r.metrics.crossSource?.petRight),
    `${(r.model.bytes / 1e6).toFixed(2)} MB`,
    `${Math.round((r.timings.totalMs ?? 0) / 1000)}s`,
    r.data.fingerprint.slice(0, 10)
  ]);
  return table(
    ['run', 'backbone', 'size', 'quant', 'pet acc f32', 'pet acc shipped', 'pets rejected', 'non-pets rejected', 'other sources right', 'model', 'time', 'data'],
    rows
  );
}

export function compareRuns(a: RunRecord, b: RunRecord): string {
  const keys = [...new Set([...Object.keys(a.params), ...Object.keys(b.params)])].sort();
  const rows: string[][] = keys
    .filter((k) => JSON.stringify(a.params[k]) !== JSON.stringify(b.params[k]))
    .map((k) => [`param ${k}`, JSON.stringify(a.params[k]), JSON.stringify(b.params[k])]);
  const metric = (name: string, f: (r: RunRecord) => number | undefined) => {
    const va = f(a);
    const vb = f(b);
    if (va === undefined || vb === undefined) return void rows.push([name, String(va ?? '-'), String(vb ?? '-')]);
    rows.push([name, va.toFixed(4), `${vb.toFixed(4)} (${vb - va >= 0 ? '+' : ''}${(vb - va).toFixed(4)})`]);
  };
  metric('test pet accuracy (float32)', (r) => r.metrics.test.accuracy);
  metric('test pet accuracy (shipped)', (r) => r.metrics.shipped.accuracy);
  metric('test pets answered neither/unsure', (r) => r.metrics.shipped.petRejected);
  metric('test non-pets answered neither/unsure', (r) => r.metrics.shipped.nonPetRejected);
  metric('other-source cat/dog right verdicts', (r) => r.metrics.crossSource?.petRight);
  metric('test log loss', (r) => r.metrics.shipped.logLoss);
  metric('test ECE', (r) => r.metrics.shipped.ece);
  metric('unsure threshold', (r) => r.unsure.threshold);
  metric('model MB', (r) => r.model.bytes / 1e6);
  metric('train time s', (r) => (r.timings.totalMs ?? 0) / 1000);
  rows.push(['dataset', a.data.fingerprint.slice(0, 16), b.data.fingerprint.slice(0, 16)]);
  return table(['', a.id, b.id], rows);
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
