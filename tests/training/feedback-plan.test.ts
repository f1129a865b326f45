import { describe, expect, it } from 'vitest';
import type { ReviewPhoto } from '../../edge/src/contract.ts';
import { formatManifest, manifestRow, parseManifest, planPull, trainingLabel, type Held, type Wanted } from '../../training/src/feedback/plan.ts';

const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';
const C = 'cccccccc-0000-4000-8000-000000000003';
const sha = (c: string) => c.repeat(64);

const photo = (over: Partial<ReviewPhoto>): ReviewPhoto => ({
  id: A,
  sha256: sha('a'),
  bytes: 1234,
  uploadedAt: '2026-11-02T10:00:00.000Z',
  createdAt: '2026-11-02T09:59:00.000Z',
  modelVersion: '2026.11.27-72a180',
  predicted: 'dog',
  confidence: 0.97,
  actual: 'cat',
  status: 'approved',
  label: 'cat',
  reviewedAt: '2026-11-03T08:00:00.000Z',
  ...over
});

describe('the label a pulled photo is trained on', () => {
  it("approved: the maintainer's label (a relabel wins over the person's); pending only with --all, as the person said; rejected never", () => {
    expect(trainingLabel(photo({ status: 'approved', label: 'neither', actual: 'cat' }), false)).toBe('neither');
    expect(trainingLabel(photo({ status: 'approved', label: 'cat', actual: 'cat' }), true)).toBe('cat');
    expect(trainingLabel(photo({ status: 'pending', label: null, actual: 'dog' }), false)).toBeNull();
    expect(trainingLabel(photo({ status: 'pending', label: null, actual: 'dog' }), true)).toBe('dog');
    expect(trainingLabel(photo({ status: 'rejected', label: null }), true)).toBeNull();
  });
});

describe('manifest.csv', () => {
  it('has the documented columns, one row per photo sorted by answer time, and reads back as written', () => {
    const later = manifestRow(photo({ id: B, sha256: sha('b'), createdAt: '2026-11-05T00:00:00.000Z', actual: 'dog', predicted: 'cat', confidence: 0.5 }), 'neither');
    const earlier = manifestRow(photo({}), 'cat');
    const text = formatManifest([later, earlier]);
    expect(text.split('\n')).toEqual([
      'id,label,user_label,model_version,predicted,confidence,created,sha256',
      `${A},cat,cat,2026.11.27-72a180,dog,0.97,2026-11-02T09:59:00.000Z,${sha('a')}`,
      `${B},neither,dog,2026.11.27-72a180,cat,0.5,2026-11-05T00:00:00.000Z,${sha('b')}`,
      ''
    ]);
    expect(parseManifest(text)).toEqual([earlier, later]);
    expect(() => parseManifest('id,label\n')).toThrow(/unexpected header/);
  });
});

describe('what a pull does with the folder', () => {
  const want = (id: string, label: Wanted['label'], s: string): Wanted => ({ id, label, sha256: sha(s) });
  const held = (id: string, label: Held['label'], s: string): Held => ({ id, label, sha256: sha(s) });

  it('an empty folder: fetch everything', () => {
    const plan = planPull([want(A, 'cat', 'a'), want(B, 'dog', 'b')], [], true);
    expect(plan.fetch.map((f) => f.want.id)).toEqual([A, B]);
    expect([plan.keep, plan.move, plan.remove]).toEqual([[], [], []]);
  });

  it('keeps good files, moves relabelled ones, fetches damaged ones again and removes their copies after', () => {
    const plan = planPull(
      [want(A, 'cat', 'a'), want(B, 'neither', 'b'), want(C, 'dog', 'c')],
      [held(A, 'cat', 'a'), held(B, 'dog', 'b'), held(C, 'dog', 'x')],
      true
    );
    expect(plan.keep.map((w) => w.id)).toEqual([A]);
    expect(plan.move).toEqual([{ want: want(B, 'neither', 'b'), from: held(B, 'dog', 'b') }]);
    expect(plan.fetch).toEqual([{ want: want(C, 'dog', 'c'), replacing: [held(C, 'dog', 'x')] }]);
    expect(plan.remove).toEqual([]);
  });

  it('of several copies uses the good one in place, removes the rest', () => {
    const plan = planPull([want(A, 'dog', 'a')], [held(A, 'cat', 'a'), held(A, 'dog', 'a'), held(A, 'neither', 'x')], true);
    expect(plan.keep.map((w) => w.id)).toEqual([A]);
    expect(plan.remove).toEqual([held(A, 'cat', 'a'), held(A, 'neither', 'x')]);
  });

  it('removes photos no longer selected (rejected since) on a full listing, keeps them with --since', () => {
    expect(planPull([want(A, 'cat', 'a')], [held(A, 'cat', 'a'), held(B, 'dog', 'b')], true).remove).toEqual([held(B, 'dog', 'b')]);
    expect(planPull([want(A, 'cat', 'a')], [held(A, 'cat', 'a'), held(B, 'dog', 'b')], false).remove).toEqual([]);
  });
});
