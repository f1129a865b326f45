/** Live model quality from feedback: pure functions over counts, tested directly. */
import { type ClassScores, type ConfusionMatrix, type Interval, LABELS, type Label, type LatencyStats, type Performance, type VersionPerformance } from './contract';
import type { ConfusionRow, LatencyRow } from './db';

const emptyRow = () => ({ cat: 0, dog: 0, neither: 0 });

export const emptyConfusion = (): ConfusionMatrix => ({ cat: emptyRow(), dog: emptyRow(), neither: emptyRow() });

const ratio = (num: number, den: number) => (den === 0 ? null : num / den);
const rowSum = (m: ConfusionMatrix, actual: Label) => LABELS.reduce((s, p) => s + m[actual][p], 0);
const columnSum = (m: ConfusionMatrix, predicted: Label) => LABELS.reduce((s, a) => s + m[a][predicted], 0);

/** Precision over every time the model said `label`; recall and support over photos that really show it. */
export function classScores(m: ConfusionMatrix, label: Label): ClassScores {
  const tp = m[label][label];
  const support = rowSum(m, label);
  const precision = ratio(tp, columnSum(m, label));
  const recall = ratio(tp, support);
  const f1 = precision === null || recall === null ? null : precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, support };
}

/** How often the model said what the photo really shows, over feedback on the given actual classes. */
function hitsOver(m: ConfusionMatrix, actuals: readonly Label[]): { right: number; n: number } {
  return { right: actuals.reduce((s, a) => s + m[a][a], 0), n: actuals.reduce((s, a) => s + rowSum(m, a), 0) };
}

/** Photos that really show a cat or a dog; calling one "neither" counts as a miss. */
const PETS = ['cat', 'dog'] as const;

const share = ({ right, n }: { right: number; n: number }) => ratio(right, n);

/** Over all feedback, "neither" included: calling a cat "neither" or a fox "cat" are both misses. */
export const accuracy = (m: ConfusionMatrix) => share(hitsOver(m, LABELS));
export const petAccuracy = (m: ConfusionMatrix) => share(hitsOver(m, PETS));

const Z95 = 1.959963984540054;

/**
 * The Wilson score interval (95 %) of a share seen as `successes` out of `n`; null without answers.
 * Unlike p ± 1.96·sqrt(p(1-p)/n) it stays within [0, 1] and does not shrink to nothing at 0 % or
 * 100 %, which matters with the few answers a newly staged version gets.
 */
export function wilsonInterval(successes: number, n: number): Interval | null {
  if (n === 0) return null;
  const p = successes / n;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Per-version figures; `served` is each published version's share of installs now (see db.ts
 * servedPercents), so a version that was never published (the shipped one, `other`) has null.
 */
export function buildPerformance(
  confusionRows: ConfusionRow[],
  latencyRows: LatencyRow[],
  served: ReadonlyMap<string, number>,
  generatedAt: string
): Performance {
  const byVersion = new Map<string, { confusion: ConfusionMatrix; latency: LatencyStats[] }>();
  const entry = (v: string) => {
    let e = byVersion.get(v);
    if (!e) byVersion.set(v, (e = { confusion: emptyConfusion(), latency: [] }));
    return e;
  };
  for (const r of confusionRows) entry(r.model_version).confusion[r.actual][r.predicted] += r.n;
  for (const r of latencyRows) entry(r.model_version).latency.push({ backend: r.backend, count: r.n, p50: r.p50, p95: r.p95, p99: r.p99 });
  const versions: VersionPerformance[] = [...byVersion.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([modelVersion, { confusion, latency }]) => {
      const all = hitsOver(confusion, LABELS);
      const pets = hitsOver(confusion, PETS);
      return {
        modelVersion,
        feedbackCount: all.n,
        accuracy: share(all),
        accuracyInterval: wilsonInterval(all.right, all.n),
        petAccuracy: share(pets),
        petAccuracyInterval: wilsonInterval(pets.right, pets.n),
        servedPercent: served.get(modelVersion) ?? null,
        perClass: { cat: classScores(confusion, 'cat'), dog: classScores(confusion, 'dog'), neither: classScores(confusion, 'neither') },
        confusion,
        latency
      };
    });
  return { generatedAt, versions };
}
