/** Seeded, stratified train/val/test split for datasets that come without one. */
import { mulberry32 } from './random.ts';

export type Split = 'train' | 'val' | 'test';

export interface SplitFractions {
  val: number;
  test: number;
}

/** Fisher-Yates with a seeded generator; returns a new array. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rand = mulberry32(seed);
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Assigns each item a split, per label, so every split keeps the class balance. Items are sorted by
 * `key` first so the result depends only on the seed and the data, not on directory listing order.
 */
export function stratifiedSplit<T>(
  items: readonly T[],
  labelOf: (t: T) => string,
  keyOf: (t: T) => string,
  fractions: SplitFractions,
  seed: number
): Map<T, Split> {
  const byLabel = new Map<string, T[]>();
  for (const it of items) {
    const l = labelOf(it);
    byLabel.set(l, [...(byLabel.get(l) ?? []), it]);
  }
  const out = new Map<T, Split>();
  for (const group of byLabel.values()) {
    const sorted = group.slice().sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    const order = shuffled(sorted, seed);
    const nTest = Math.round(order.length * fractions.test);
    const nVal = Math.round(order.length * fractions.val);
    order.forEach((it, i) => out.set(it, i < nTest ? 'test' : i < nTest + nVal ? 'val' : 'train'));
  }
  return out;
}
