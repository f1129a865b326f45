import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeRgb, mirrorRgb, normalize } from '../../training/src/data/decode.ts';
import { fingerprintOf, scanDataset } from '../../training/src/data/scan.ts';
import sharp from 'sharp';
import { MOBILENET_NORMALIZATION, cropRect } from '../../web/src/lib/classifier/preprocess.ts';
import { haveShared } from '../shared-data.ts';
import { BAD, SMOKE, datasetWithBadInputs, smokeFiles } from './helpers.ts';

describe.skipIf(!haveShared(SMOKE, BAD))('scanning real folders', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('skips and reports empty, non-image and non-photo files; keeps the rest', () => {
    const dir = datasetWithBadInputs(3);
    dirs.push(dir);
    const scan = scanDataset(dir, { seed: 1, valFraction: 0.34, testFraction: 0.34 });
    expect(scan.layout).toBe('class-folders');
    const reasons = Object.fromEntries(scan.skipped.map((s) => [s.rel, s.reason]));
    expect(reasons['cat/empty.jpg']).toBe('empty file');
    expect(reasons['cat/not-an-image.jpg']).toMatch(/not a JPEG/);
    expect(reasons['cat/notes.txt']).toMatch(/not an image file type/);
    // The truncated JPEG has valid headers: scan keeps it, decode rejects it (see below).
    expect(scan.items.map((i) => i.rel)).toContain('cat/truncated.jpg');
    expect(scan.items.filter((i) => i.label === 1)).toHaveLength(3);
    expect(new Set(scan.items.map((i) => i.split))).toEqual(new Set(['train', 'val', 'test']));
  });

  it('decode rejects the truncated JPEG and decodes real photos to normalised RGB', async () => {
    await expect(decodeRgb(join(BAD, 'truncated.jpg'), { width: 64, height: 64 })).rejects.toThrow(/premature end|truncated/i);
    const rgb = await decodeRgb(smokeFiles('cat')[0]!, { width: 64, height: 48 });
    expect(rgb.length).toBe(64 * 48 * 3);
    const x = normalize(rgb, MOBILENET_NORMALIZATION);
    expect(x[5]).toBeCloseTo(rgb[5]! / 127.5 - 1, 6);
    expect(Math.min(...x)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...x)).toBeLessThanOrEqual(1);
  });

  it("applies the model's centre crop after EXIF orientation, as the browser draws it", async () => {
    const photo = smokeFiles('dog')[0]!;
    const meta = await sharp(photo).metadata();
    const r = cropRect(meta.width!, meta.height!, 0.6);
    const expected = await sharp(photo).extract(r).resize(32, 32, { fit: 'fill' }).removeAlpha().raw().toBuffer();
    const got = await decodeRgb(photo, { width: 32, height: 32 }, { crop: 0.6 });
    expect(Buffer.from(got).equals(expected)).toBe(true);
    expect(Buffer.from(await decodeRgb(photo, { width: 32, height: 32 })).equals(expected)).toBe(false);
  });

  it('mirrors resized pixels left-right, row by row', () => {
    // 3x2 image, pixel values = index
    const rgb = Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => i);
    expect(Array.from(mirrorRgb(rgb, 3, 2))).toEqual([6, 7, 8, 3, 4, 5, 0, 1, 2, 15, 16, 17, 12, 13, 14, 9, 10, 11]);
  });

  it("reads Kaggle's flat cat.N.jpg naming", () => {
    const dir = mkdtempSync(join(tmpdir(), 'pawlens-flat-'));
    dirs.push(dir);
    smokeFiles('cat').slice(0, 2).forEach((f, i) => copyFileSync(f, join(dir, `cat.${i}.jpg`)));
    smokeFiles('dog').slice(0, 2).forEach((f, i) => copyFileSync(f, join(dir, `Dog.${i}.JPG`)));
    const scan = scanDataset(dir, { valFraction: 0, testFraction: 0 });
    expect(scan.layout).toBe('flat');
    expect(scan.items.map((i) => [i.rel, i.label]).sort()).toEqual([
      ['Dog.0.JPG', 1],
      ['Dog.1.JPG', 1],
      ['cat.0.jpg', 0],
      ['cat.1.jpg', 0]
    ]);
  });

  it('fails clearly, before any work, when a class has no images', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pawlens-onecls-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'cat'));
    mkdirSync(join(dir, 'dog'));
    copyFileSync(smokeFiles('cat')[0]!, join(dir, 'cat', 'a.jpg'));
    copyFileSync(join(BAD, 'empty.jpg'), join(dir, 'dog', 'b.jpg'));
    expect(() => scanDataset(dir)).toThrow(/no usable dog images/);
  });

  it('fingerprints the data, not the listing: same files elsewhere give the same fingerprint', () => {
    const a = scanDataset(SMOKE, { seed: 3 });
    const dir = mkdtempSync(join(tmpdir(), 'pawlens-copy-'));
    dirs.push(dir);
    for (const label of ['cat', 'dog'] as const) {
      mkdirSync(join(dir, label));
      for (const f of smokeFiles(label).reverse()) copyFileSync(f, join(dir, label, `renamed-${f.split('/').pop()}`));
    }
    const b = scanDataset(dir, { seed: 3 });
    expect(fingerprintOf(b.items)).toBe(fingerprintOf(a.items));
    expect(a.items.find((i) => i.rel === 'cat/cat.4001.jpg')?.bytes).toBe(readFileSync(join(SMOKE, 'cat/cat.4001.jpg')).byteLength);
  });
});
