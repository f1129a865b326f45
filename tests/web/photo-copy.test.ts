/**
 * The photo copy that may be shared: at most PHOTO_MAX_SIDE on its longest side, never upscaled, and
 * no metadata segment left in its JPEG (checked on JPEGs libvips writes with EXIF, GPS, XMP and ICC).
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PHOTO_MAX_SIDE } from '../../edge/src/contract.ts';
import { fitWithin } from '../../web/src/lib/classifier/preprocess.ts';
import { withoutMetadata } from '../../web/src/lib/photo-copy.ts';

describe("fitWithin, the copy's size", () => {
  it(`scales the longest side down to ${PHOTO_MAX_SIDE} px and keeps the aspect ratio`, () => {
    expect(PHOTO_MAX_SIDE).toBe(320);
    expect(fitWithin(4000, 3000, PHOTO_MAX_SIDE)).toEqual({ width: 320, height: 240 });
    expect(fitWithin(3000, 4000, PHOTO_MAX_SIDE)).toEqual({ width: 240, height: 320 });
    expect(fitWithin(1080, 1920, PHOTO_MAX_SIDE)).toEqual({ width: 180, height: 320 });
    expect(fitWithin(640, 640, PHOTO_MAX_SIDE)).toEqual({ width: 320, height: 320 });
  });

  it('never upscales, and never makes a side zero', () => {
    expect(fitWithin(200, 100, PHOTO_MAX_SIDE)).toEqual({ width: 200, height: 100 });
    expect(fitWithin(320, 10, PHOTO_MAX_SIDE)).toEqual({ width: 320, height: 10 });
    expect(fitWithin(10_000, 3, PHOTO_MAX_SIDE)).toEqual({ width: 320, height: 1 });
  });
});

describe('withoutMetadata', () => {
  /** The markers of the segments before the image data. */
  const markers = (jpeg: Uint8Array) => {
    const out: number[] = [];
    for (let at = 2; jpeg[at + 1] !== 0xda; at += 2 + ((jpeg[at + 2]! << 8) | jpeg[at + 3]!)) out.push(jpeg[at + 1]!);
    return out;
  };
  const xmp = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>';

  it('drops EXIF (GPS included), XMP and the ICC profile, and keeps the image exactly', async () => {
    const tagged = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c84' } })
      .jpeg()
      .withExif({ IFD0: { Make: 'TestCam' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2964/100' } })
      .withIccProfile('srgb')
      .withXmp(xmp)
      .toBuffer();
    const before = await sharp(tagged).metadata();
    expect([!!before.exif, !!before.icc, !!before.xmp]).toEqual([true, true, true]);
    expect(markers(tagged).filter((m) => m >= 0xe1 && m <= 0xef).length).toBeGreaterThanOrEqual(3);

    const bare = withoutMetadata(tagged);
    expect(markers(bare).filter((m) => (m >= 0xe1 && m <= 0xef) || m === 0xfe)).toEqual([]);
    const after = await sharp(bare).metadata();
    expect([after.exif, after.icc, after.xmp]).toEqual([undefined, undefined, undefined]);
    expect(await sharp(bare).raw().toBuffer()).toEqual(await sharp(tagged).raw().toBuffer());
  });

  it('keeps a JPEG without metadata as it is, and refuses bytes that are not a JPEG', async () => {
    const plain = new Uint8Array(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).jpeg().toBuffer());
    expect(withoutMetadata(plain)).toEqual(plain);
    expect(() => withoutMetadata(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toThrow('not a JPEG');
    expect(() => withoutMetadata(plain.subarray(0, 30))).toThrow('malformed');
  });
});
