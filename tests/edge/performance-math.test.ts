import { describe, expect, it } from 'vitest';
import { accuracy, buildPerformance, classScores, emptyConfusion } from '../../edge/src/performance-math';

describe('performance math', () => {
  it('gives null, not NaN, where a ratio has no denominator', () => {
    const m = emptyConfusion();
    expect(accuracy(m)).toBeNull();
    expect(classScores(m, 'cat')).toEqual({ precision: null, recall: null, f1: null, support: 0 });
  });

  it('counts a "neither" photo called dog against dog precision, not accuracy', () => {
    const m = emptyConfusion();
    m.dog.dog = 4;
    m.neither.dog = 4;
    expect(accuracy(m)).toBe(1);
    expect(classScores(m, 'dog')).toEqual({ precision: 0.5, recall: 1, f1: 2 / 3, support: 4 });
  });

  it('gives F1 = 0 when a class is never predicted right', () => {
    const m = emptyConfusion();
    m.cat.dog = 3;
    m.dog.cat = 2;
    expect(classScores(m, 'cat')).toEqual({ precision: 0, recall: 0, f1: 0, support: 3 });
  });

  it('groups rows by version, sorted', () => {
    const perf = buildPerformance(
      [
        { model_version: 'b', actual: 'cat', predicted: 'cat', n: 2 },
        { model_version: 'a', actual: 'neither', predicted: 'dog', n: 1 }
      ],
      [{ model_version: 'a', backend: 'cpu', n: 3, p50: 1, p95: 2, p99: 3 }],
      'now'
    );
    expect(perf.versions.map((v) => [v.modelVersion, v.feedbackCount, v.accuracy])).toEqual([
      ['a', 1, null],
      ['b', 2, 1]
    ]);
    expect(perf.versions[0]!.latency).toEqual([{ backend: 'cpu', count: 3, p50: 1, p95: 2, p99: 3 }]);
  });
});
