import { describe, expect, it } from 'vitest';
import type { ConfusionMatrix } from '../../edge/src/contract';
import { accuracy, buildPerformance, classScores, emptyConfusion, petAccuracy, wilsonInterval } from '../../edge/src/performance-math';

/** Rows actual, columns predicted: 20 photos, 14 right. */
const sample = (): ConfusionMatrix => ({
  cat: { cat: 5, dog: 1, neither: 1 },
  dog: { cat: 1, dog: 3, neither: 0 },
  neither: { cat: 2, dog: 1, neither: 6 }
});

describe('performance math', () => {
  it('gives null, not NaN, where a ratio has no denominator', () => {
    const m = emptyConfusion();
    expect(accuracy(m)).toBeNull();
    expect(petAccuracy(m)).toBeNull();
    for (const label of ['cat', 'dog', 'neither'] as const) {
      expect(classScores(m, label)).toEqual({ precision: null, recall: null, f1: null, support: 0 });
    }
  });

  it('scores a 3x3 matrix by hand: precision by column, recall and support by row', () => {
    const m = sample();
    // cat: 5 right of 8 said cat (5+1+2), of 7 real cats (5+1+1).
    expect(classScores(m, 'cat')).toEqual({ precision: 5 / 8, recall: 5 / 7, f1: expect.closeTo(2 / 3, 12), support: 7 });
    // dog: 3 of 5 said dog (1+3+1), of 4 real dogs.
    expect(classScores(m, 'dog')).toEqual({ precision: 3 / 5, recall: 3 / 4, f1: expect.closeTo(2 / 3, 12), support: 4 });
    // neither: 6 of 7 said neither (1+0+6), of 9 photos with neither.
    expect(classScores(m, 'neither')).toEqual({ precision: 6 / 7, recall: 6 / 9, f1: expect.closeTo(3 / 4, 12), support: 9 });
  });

  it('accuracy counts all feedback; petAccuracy only real cats and dogs, where "neither" is a miss', () => {
    const m = sample();
    expect(accuracy(m)).toBeCloseTo(14 / 20, 12);
    expect(petAccuracy(m)).toBeCloseTo(8 / 11, 12);
  });

  it('counts a "neither" photo called dog against dog precision and accuracy, but not petAccuracy', () => {
    const m = emptyConfusion();
    m.dog.dog = 4;
    m.neither.dog = 4;
    expect(accuracy(m)).toBe(0.5);
    expect(petAccuracy(m)).toBe(1);
    expect(classScores(m, 'dog')).toEqual({ precision: 0.5, recall: 1, f1: 2 / 3, support: 4 });
    expect(classScores(m, 'neither')).toEqual({ precision: null, recall: 0, f1: null, support: 4 });
  });

  it('gives F1 = 0 when a class is never predicted right', () => {
    const m = emptyConfusion();
    m.cat.dog = 3;
    m.dog.cat = 2;
    expect(classScores(m, 'cat')).toEqual({ precision: 0, recall: 0, f1: 0, support: 3 });
  });

  it('groups rows by version, sorted, with neither rows and columns counted', () => {
    const perf = buildPerformance(
      [
        { model_version: 'b', actual: 'cat', predicted: 'cat', n: 2 },
        { model_version: 'b', actual: 'cat', predicted: 'neither', n: 1 },
        { model_version: 'a', actual: 'neither', predicted: 'dog', n: 1 },
        { model_version: 'a', actual: 'neither', predicted: 'neither', n: 3 }
      ],
      [{ model_version: 'a', backend: 'cpu', n: 3, p50: 1, p95: 2, p99: 3 }],
      new Map([['b', 40]]),
      'now'
    );
    expect(perf.versions.map((v) => [v.modelVersion, v.feedbackCount, v.accuracy, v.petAccuracy])).toEqual([
      ['a', 4, 3 / 4, null],
      ['b', 3, 2 / 3, 2 / 3]
    ]);
    expect(perf.versions[0]!.confusion.neither).toEqual({ cat: 0, dog: 1, neither: 3 });
    expect(perf.versions[0]!.perClass.neither).toEqual({ precision: 1, recall: 3 / 4, f1: expect.closeTo(6 / 7, 12), support: 4 });
    expect(perf.versions[1]!.confusion.cat).toEqual({ cat: 2, dog: 0, neither: 1 });
    expect(perf.versions[0]!.latency).toEqual([{ backend: 'cpu', count: 3, p50: 1, p95: 2, p99: 3 }]);
    // 'a' is not in the models table: never published, so no share of installs.
    expect(perf.versions.map((v) => [v.modelVersion, v.servedPercent])).toEqual([
      ['a', null],
      ['b', 40]
    ]);
    // Intervals over the same counts as the shares: 'a' has no pet photos, 'b' 2 of 3 right.
    expect(perf.versions[0]!.petAccuracyInterval).toBeNull();
    expect(perf.versions[1]!.accuracyInterval).toEqual(wilsonInterval(2, 3));
    expect(perf.versions[1]!.petAccuracyInterval).toEqual(wilsonInterval(2, 3));
  });
});

describe('Wilson 95 % interval', () => {
  // Reference values: the textbook form (x + z²/2)/(n + z²) ± z·√n/(n + z²)·√(p̂q̂ + z²/4n), z = 1.95996.
  it.each([
    [8, 10, 0.4901625, 0.9433178],
    [14, 20, 0.4810272, 0.8545228],
    [8, 11, 0.4343547, 0.9025394],
    [0, 10, 0, 0.2775328],
    [10, 10, 0.7224672, 1],
    [1, 1, 0.2065493, 1]
  ])('%i of %i lies in [%f, %f]', (right, n, low, high) => {
    const i = wilsonInterval(right, n)!;
    expect(i.low).toBeCloseTo(low, 6);
    expect(i.high).toBeCloseTo(high, 6);
  });

  it('is null without answers, stays within [0, 1] and narrows as answers grow at the same share', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    const widths = [10, 100, 1000, 10000].map((n) => {
      const i = wilsonInterval(0.9 * n, n)!;
      expect(i.low).toBeGreaterThanOrEqual(0);
      expect(i.high).toBeLessThanOrEqual(1);
      expect(i.low).toBeLessThan(0.9);
      expect(i.high).toBeGreaterThan(0.9);
      return i.high - i.low;
    });
    expect([...widths].sort((a, b) => b - a)).toEqual(widths);
    expect(widths.at(-1)).toBeLessThan(0.02);
  });
});
