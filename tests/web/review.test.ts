/**
 * The review page's pure parts: dHash and Hamming distance on real decoded pixels (sharp), likely
 * duplicate groups, the list order (flagged first, duplicates together, newest first) and the
 * keyboard shortcuts.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ReviewPhoto } from '../../edge/src/contract.ts';
import { commandFor } from '../../web/src/lib/review/commands.ts';
import { dHash, hamming } from '../../web/src/lib/review/dhash.ts';
import { CONTRADICTION_THRESHOLD, DUPLICATE_DISTANCE, contradicts, duplicateGroups, reviewRows, type ModelCheck } from '../../web/src/lib/review/order.ts';
import { DATASETS, haveShared } from '../shared-data.ts';

/** Decodes image bytes to RGBA as the browser's canvas gives them, and hashes them. */
async function hashOf(image: Buffer | string): Promise<string> {
  const { data, info } = await sharp(image).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return dHash(data, info.width, info.height);
}

/** A drawn picture: shapes on a background, `w` pixels wide. */
const picture = (svg: string, w = 320) =>
  sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">${svg}</svg>`)).resize(w).jpeg({ quality: 90 }).toBuffer();
// Shaded like a photo: dHash compares neighbouring cells, and flat areas would leave ties to the encoder's noise.
const SHADE = '<defs><linearGradient id="g" x2="1" y2="0.4"><stop offset="0" stop-color="#234"/><stop offset="1" stop-color="#cde"/></linearGradient></defs><rect width="320" height="240" fill="url(#g)"/>';
const SCENE = `${SHADE}<circle cx="90" cy="120" r="60" fill="#fc3"/><rect x="190" y="40" width="90" height="160" fill="#345"/>`;
const OTHER = `${SHADE}<circle cx="240" cy="60" r="50" fill="#a22"/><rect x="20" y="140" width="200" height="80" fill="#282"/>`;

describe('dHash', () => {
  it('reads brightness left to right: rising is all ones, falling all zeros', () => {
    const gradient = (rising: boolean) => {
      const w = 90;
      const px = new Uint8Array(w * 8 * 4);
      for (let i = 0; i < w * 8; i++) px.fill(rising ? (i % w) * 2 : 255 - (i % w) * 2, i * 4, i * 4 + 3), (px[i * 4 + 3] = 255);
      return dHash(px, w, 8);
    };
    expect(gradient(true)).toBe('ffffffffffffffff');
    expect(gradient(false)).toBe('0000000000000000');
  });

  it('counts differing bits', () => {
    expect(hamming('ffffffffffffffff', '0000000000000000')).toBe(64);
    expect(hamming('00000000000000f1', '0000000000000000')).toBe(5);
    expect(hamming('8000000000000001', '8000000000000001')).toBe(0);
  });

  it('gives a resized, re-encoded copy a near hash and another picture a far one', async () => {
    const original = await hashOf(await picture(SCENE));
    const copy = await hashOf(await sharp(await picture(SCENE)).resize(180).jpeg({ quality: 35 }).toBuffer());
    const other = await hashOf(await picture(OTHER));
    expect(hamming(original, copy)).toBeLessThanOrEqual(DUPLICATE_DISTANCE);
    expect(hamming(original, other)).toBeGreaterThan(2 * DUPLICATE_DISTANCE);
  });

  const cats = join(DATASETS, 'smoke/cat');
  it.skipIf(!haveShared(cats))('tells a real photo\'s downscaled copy from another photo of the same class', async () => {
    const [a, b] = [join(cats, 'cat.4001.jpg'), join(cats, 'cat.4003.jpg')];
    const copy = await sharp(a).rotate().resize(320, 320, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer();
    expect(hamming(await hashOf(await sharp(a).rotate().toBuffer()), await hashOf(copy))).toBeLessThanOrEqual(DUPLICATE_DISTANCE);
    expect(hamming(await hashOf(a), await hashOf(b))).toBeGreaterThan(DUPLICATE_DISTANCE);
  });
});

const photo = (over: Partial<ReviewPhoto> = {}): ReviewPhoto => ({
  id: randomUUID(),
  sha256: randomUUID().replaceAll('-', '').padEnd(64, '0'),
  bytes: 1000,
  uploadedAt: '2026-11-24T10:00:00.000Z',
  createdAt: '2026-11-24T09:59:00.000Z',
  modelVersion: '2026.11.24-test',
  predicted: 'cat',
  confidence: 0.8,
  actual: 'cat',
  status: 'pending',
  label: null,
  reviewedAt: null,
  ...over
});
const at = (minute: number) => `2026-11-24T10:${String(minute).padStart(2, '0')}:00.000Z`;

describe('the review list', () => {
  it(`flags a photo when the current model's top label differs from its label with probability ≥ ${CONTRADICTION_THRESHOLD}`, () => {
    expect(contradicts({ label: 'dog', confidence: 0.95 }, 'cat')).toBe(true);
    expect(contradicts({ label: 'dog', confidence: 0.949 }, 'cat')).toBe(false);
    expect(contradicts({ label: 'cat', confidence: 0.999 }, 'cat')).toBe(false);
    expect(contradicts({ label: 'neither', confidence: 0.99 }, 'dog')).toBe(true);
  });

  it('groups the same bytes, and near hashes transitively; everything else stays alone, in input order', () => {
    const h = (bits: bigint) => bits.toString(16).padStart(16, '0');
    const groups = duplicateGroups([
      { id: 'a', sha256: 'x', dhash: h(0b1111n) },
      { id: 'b', sha256: 'y', dhash: h(0xffffffffn) },
      { id: 'c', sha256: 'z', dhash: h(0b1111n << 4n) }, // 8 bits from a: not a's duplicate by itself
      { id: 'd', sha256: 'y', dhash: null }, // b's bytes exactly
      { id: 'e', sha256: 'w', dhash: h(0b11111111n) } // 4 bits from a and from c: joins them
    ]);
    expect(groups).toEqual([['a', 'c', 'e'], ['b', 'd']]);
    expect(duplicateGroups([{ id: 'a', sha256: 'x', dhash: null }, { id: 'b', sha256: 'y', dhash: null }])).toEqual([['a'], ['b']]);
  });

  it('puts flagged photos first, then the newest, with each photo\'s duplicates right after it', () => {
    const old = photo({ uploadedAt: at(1) });
    const newest = photo({ uploadedAt: at(9) });
    const flaggedOld = photo({ uploadedAt: at(0), actual: 'cat' });
    const dupOfOld = photo({ uploadedAt: at(8), sha256: old.sha256 });
    const middle = photo({ uploadedAt: at(5) });
    const checks = new Map<string, ModelCheck>([
      [flaggedOld.id, { label: 'dog', confidence: 0.99 }],
      [middle.id, { label: 'dog', confidence: 0.9 }]
    ]);
    const hashes = new Map([[newest.id, '0000000000000000'], [middle.id, 'ffffffffffffffff']]);
    const rows = reviewRows([old, newest, flaggedOld, dupOfOld, middle], checks, hashes);
    expect(rows.map((r) => r.photo.id)).toEqual([flaggedOld.id, newest.id, dupOfOld.id, old.id, middle.id]);
    expect(rows.map((r) => r.flagged)).toEqual([true, false, false, false, false]);
    expect(rows.map((r) => r.group)).toEqual([null, null, 1, 1, null]);
  });

  it('judges a relabelled photo by the maintainer\'s label', () => {
    const p = photo({ actual: 'cat', status: 'approved', label: 'dog' });
    const rows = reviewRows([p], new Map([[p.id, { label: 'dog', confidence: 0.99 }]]), new Map());
    expect(rows[0]!.flagged).toBe(false);
  });

  it('a flagged duplicate brings its group to the top', () => {
    const a = photo({ uploadedAt: at(9) });
    const b = photo({ uploadedAt: at(1) });
    const c = photo({ uploadedAt: at(2), sha256: b.sha256 });
    const rows = reviewRows([a, b, c], new Map([[b.id, { label: 'neither', confidence: 0.97 }]]), new Map());
    expect(rows.map((r) => r.photo.id)).toEqual([b.id, c.id, a.id]);
    expect(rows.map((r) => r.group)).toEqual([1, 1, null]);
  });
});

describe('review commands', () => {
  const key = (k: string, mods: Partial<KeyboardEvent> = {}) => commandFor({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...mods }, false);

  it('maps j/k to moving, a/x to approve/reject and c/d/n to relabelling', () => {
    expect(['j', 'k'].map((k) => key(k))).toEqual([{ move: 1 }, { move: -1 }]);
    expect(key('a')).toEqual({ act: { action: 'approve' } });
    expect(key('x')).toEqual({ act: { action: 'reject' } });
    expect(['c', 'd', 'n'].map((k) => key(k))).toEqual(['cat', 'dog', 'neither'].map((label) => ({ act: { action: 'relabel', label } })));
  });

  it('ignores keys with a modifier, other keys, and anything typed in a field', () => {
    expect(key('a', { ctrlKey: true })).toBeNull();
    expect(key('r')).toBeNull();
    expect(commandFor({ key: 'a', ctrlKey: false, metaKey: false, altKey: false }, true)).toBeNull();
  });
});
