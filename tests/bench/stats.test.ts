import { describe, expect, it } from 'vitest';
import { inTurn, pairedSpeedup, quantile, speedup, summarize } from '../../bench/stats.ts';

describe('bench statistics', () => {
  it('takes nearest-rank quantiles', () => {
    const xs = [5, 1, 4, 2, 3];
    expect(quantile(xs, 0.5)).toBe(3);
    expect(quantile(xs, 0.95)).toBe(5);
    expect(quantile(xs, 0.2)).toBe(1);
    expect(quantile([7], 0.5)).toBe(7);
    expect(() => quantile([], 0.5)).toThrow();
  });

  it('summarizes with p50, p95, mean and count', () => {
    expect(summarize([10, 20, 30, 40])).toEqual({ p50: 20, p95: 40, mean: 25, n: 4 });
  });

  it('speedup is baseline time over model time', () => {
    expect(speedup(130, 65)).toBe(2);
    expect(speedup(100, 100)).toBe(1);
  });

  it('paired speedup is the median of per-pair ratios, robust to a burst on one pair', () => {
    expect(pairedSpeedup([120, 118, 900, 122, 121], [60, 59, 61, 60, 61])).toBe(2);
    expect(pairedSpeedup([100, 100, 100, 400, 400], [50, 50, 400, 200, 200])).toBe(2);
    expect(pairedSpeedup([100, 100], [100, 100])).toBe(1);
    expect(() => pairedSpeedup([1, 2], [1])).toThrow(/unpaired/);
  });

  it('lets the contenders take turns going first', () => {
    expect([0, 1, 2, 3].map((s) => inTurn(s, ['a', 'b']))).toEqual([['a', 'b'], ['b', 'a'], ['a', 'b'], ['b', 'a']]);
    expect(inTurn(3, ['a'])).toEqual(['a']);
  });
});
