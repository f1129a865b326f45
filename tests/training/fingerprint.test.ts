import { describe, expect, it } from 'vitest';
import { datasetFingerprint, sha256Hex } from '../../training/src/data/fingerprint.ts';
import { shuffled, stratifiedSplit } from '../../training/src/data/split.ts';

const entries = Array.from({ length: 50 }, (_, i) => ({
  sha256: sha256Hex(`image-${i}`),
  label: i % 2 ? 'dog' : 'cat',
  split: i < 40 ? 'train' : 'test'
}));

describe('dataset fingerprint', () => {
  it('is stable under reordering', () => {
    const a = datasetFingerprint(entries);
    expect(datasetFingerprint(shuffled(entries, 1))).toBe(a);
    expect(datasetFingerprint([...entries].reverse())).toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes when one byte of one file changes', () => {
    const changed = entries.map((e, i) => (i === 17 ? { ...e, sha256: sha256Hex('image-17!') } : e));
    expect(datasetFingerprint(changed)).not.toBe(datasetFingerprint(entries));
  });

  it('changes when a file moves to another class or split', () => {
    const relabelled = entries.map((e, i) => (i === 3 ? { ...e, label: 'cat' } : e));
    const moved = entries.map((e, i) => (i === 3 ? { ...e, split: 'val' } : e));
    expect(datasetFingerprint(relabelled)).not.toBe(datasetFingerprint(entries));
    expect(datasetFingerprint(moved)).not.toBe(datasetFingerprint(entries));
  });
});

describe('stratified split', () => {
  const items = Array.from({ length: 200 }, (_, i) => ({ id: `f${i}`, label: i < 120 ? 'cat' : 'dog' }));
  const split = (seed: number, list = items) => stratifiedSplit(list, (x) => x.label, (x) => x.id, { val: 0.1, test: 0.2 }, seed);

  it('keeps class balance in every split', () => {
    const s = split(1);
    const count = (sp: string, l: string) => items.filter((x) => s.get(x) === sp && x.label === l).length;
    expect([count('test', 'cat'), count('test', 'dog')]).toEqual([24, 16]);
    expect([count('val', 'cat'), count('val', 'dog')]).toEqual([12, 8]);
    expect(count('train', 'cat') + count('train', 'dog')).toBe(140);
  });

  it('depends on the seed, not on listing order', () => {
    const a = split(7);
    const b = split(7, shuffled(items, 99));
    expect(items.map((x) => a.get(x))).toEqual(items.map((x) => b.get(x)));
    const c = split(8);
    expect(items.map((x) => c.get(x))).not.toEqual(items.map((x) => a.get(x)));
  });
});
