/** Live model quality from feedback: pure functions over counts, tested directly. */
import type { ClassScores, ConfusionMatrix, Label, LatencyStats, Performance, VersionPerformance } from './contract';
import type { ConfusionRow, LatencyRow } from './db';

export const emptyConfusion = (): ConfusionMatrix => ({
  cat: { cat: 0, dog: 0 },
  dog: { cat: 0, dog: 0 },
  neither: { cat: 0, dog: 0 }
});

const ratio = (num: number, den: number) => (den === 0 ? null : num / den);

/**
 * Precision counts every prediction of the class, "neither" photos included (calling a fox a cat is
 * a wrong "cat"); recall and support count photos that really show the class.
 */
export function classScores(m: ConfusionMatrix, label: Label): ClassScores {
  const tp = m[label][label];
  const predicted = m.cat[label] + m.dog[label] + m.neither[label];
  const support = m[label].cat + m[label].dog;
  const precision = ratio(tp, predicted);
  const recall = ratio(tp, support);
  const f1 = precision === null || recall === null ? null : precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, support };
}

/** Accuracy over photos of a cat or a dog; "neither" has no right answer among the model's labels. */
export function accuracy(m: ConfusionMatrix): number | null {
  return ratio(m.cat.cat + m.dog.dog, m.cat.cat + m.cat.dog + m.dog.cat + m.dog.dog);
}

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
      feedbackCount: Object.values(confusion).reduce((s, row) => s + row.cat + row.dog, 0),
      accuracy: accuracy(confusion),
      perClass: { cat: classScores(confusion, 'cat'), dog: classScores(confusion, 'dog') },
      confusion,
      latency
    }));
  return { generatedAt, versions };
}
