/** Summaries and ratios for the benches, and the order that keeps a comparison fair. Pure. */

export interface Summary {
  p50: number;
  p95: number;
  mean: number;
  n: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Nearest-rank quantile (q in (0, 1]) of a non-empty list. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) throw new Error('quantile of no samples');
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

export function summarize(xs: readonly number[]): Summary {
  return {
    p50: round2(quantile(xs, 0.5)),
    p95: round2(quantile(xs, 0.95)),
    mean: round2(xs.reduce((a, b) => a + b, 0) / xs.length),
    n: xs.length
  };
}

/** How many times faster `model` is than `baseline` (time ratio, baseline / model). */
export function speedup(baselineMs: number, modelMs: number): number {
  return round2(baselineMs / modelMs);
}

/**
 * Speedup from paired timings (sample i of each was taken back to back, on the same input): the
 * median of the per-pair ratios. A burst of load from another process lands on one pair and moves
 * the median little, where it can shift one model's own p50.
 */
export function pairedSpeedup(baselineMs: readonly number[], modelMs: readonly number[]): number {
  if (baselineMs.length !== modelMs.length) throw new Error(`unpaired timings: ${baselineMs.length} vs ${modelMs.length}`);
  return round2(quantile(baselineMs.map((b, i) => b / modelMs[i]!), 0.5));
}

/**
 * The contenders in the order to run them at step `step` (rotated by one each step): for two models
 * A, B, then B, A, and so on, so neither always runs first (right after the other's allocations) and
 * a change in machine load hits both alike.
 */
export function inTurn<T>(step: number, items: readonly T[]): T[] {
  const k = items.length ? step % items.length : 0;
  return [...items.slice(k), ...items.slice(0, k)];
}
