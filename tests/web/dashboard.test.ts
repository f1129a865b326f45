/** The dashboard's feedback confusion matrix, laid out for the table. */
import { describe, expect, it } from 'vitest';
import { answers, confusionCells, noAccuracyReason, servedText, versionsSideBySide, withInterval } from '../../web/src/lib/dashboard.ts';

describe('dashboard', () => {
  it('lays the feedback confusion matrix out 3x3, rows actual and columns predicted, in label order', () => {
    const m = { cat: { cat: 5, dog: 1, neither: 2 }, dog: { cat: 0, dog: 7, neither: 1 }, neither: { cat: 3, dog: 4, neither: 9 } };
    expect(confusionCells(m)).toEqual([[5, 1, 2], [0, 7, 1], [3, 4, 9]]);
  });

  it('counts answers in words', () => {
    expect([0, 1, 2].map(answers)).toEqual(['0 answers', '1 answer', '2 answers']);
  });

  it('says why an accuracy has no value', () => {
    expect(noAccuracyReason({ feedbackCount: 0 }, 'all')).toBe('no answers for this version yet, only timing figures');
    expect(noAccuracyReason({ feedbackCount: 1 }, 'pets')).toBe('the one answer was about a photo with no cat or dog');
    expect(noAccuracyReason({ feedbackCount: 3 }, 'pets')).toBe('all 3 answers were about photos with no cat or dog');
  });

  it('shows a share with its 95 % confidence interval', () => {
    expect(withInterval(0.82, { low: 0.7134, high: 0.8961 })).toBe('82.0 % (95 % CI 71.3–89.6 %)');
    expect(withInterval(0.5, null)).toBe('50.0 %');
    expect(withInterval(null, null)).toBe('–');
  });

  it('says whom a version is served to', () => {
    expect([100, 50, 0, null].map(servedText)).toEqual(['served to all', 'served to 50 %', 'not served', 'not published here']);
  });

  it('puts the versions served now first, the larger share first', () => {
    const v = (modelVersion: string, servedPercent: number | null) => ({ modelVersion, servedPercent }) as Parameters<typeof versionsSideBySide>[0][number];
    expect(versionsSideBySide([v('old', 0), v('staged', 50), v('gone', null), v('active', 50)]).map((x) => x.modelVersion)).toEqual(['staged', 'active', 'old', 'gone']);
  });
});
