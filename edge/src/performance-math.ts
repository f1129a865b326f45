/** Live model quality from feedback: pure functions over counts, tested directly. */
import { type ClassScores, type ConfusionMatrix, LABELS, type Label, type LatencyStats, type Performance, type VersionPerformance } from './contract';
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

/** Share of the given actual classes' feedback where the model said what the photo really shows. */
function accuracyOver(m: ConfusionMatrix, actuals: readonly Label[]): number | null {
  const right = actuals.reduce((s, a) => s + m[a][a], 0);
  return ratio(right, actuals.reduce((s, a) => s + rowSum(m, a), 0));
}

/** All feedback, "neither" included: calling a cat "neither" or a fox "cat" are both misses. */
export const accuracy = (m: ConfusionMatrix) => accuracyOver(m, LABELS);

/** Photos that really show a cat or a dog; calling one "neither" counts as a miss. */
export const petAccuracy = (m: ConfusionMatrix) => accuracyOver(m, ['cat', 'dog']);

export function buildPerformance(confusionRows: ConfusionRow[], latencyRows: LatencyRow[], generatedAt: string): Performance {
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
    .map(([modelVersion, { confusion, latency }]) => ({
      modelVersion,
      feedbackCount: LABELS.reduce((s, a) => s + rowSum(confusion, a), 0),
      accuracy: accuracy(confusion),
      petAccuracy: petAccuracy(confusion),
      perClass: { cat: classScores(confusion, 'cat'), dog: classScores(confusion, 'dog'), neither: classScores(confusion, 'neither') },
      confusion,
      latency
    }));
  return { generatedAt, versions };
}
