import { describe, expect, it } from 'vitest';
import { MOBILENET_NORMALIZATION, cropRect, fitWithin, normalizePixels } from '../../web/src/lib/classifier/preprocess.ts';

describe('preprocessing (shared with training)', () => {
  it('maps RGBA bytes to normalised RGB floats and drops alpha', () => {
    const rgba = [0, 127.5, 255, 9, 255, 0, 51, 200];
    const out = normalizePixels(rgba, 4, MOBILENET_NORMALIZATION);
    expect(out).toHaveLength(6);
    expect([...out].map((v) => Math.round(v * 1e4) / 1e4)).toEqual([-1, 0, 1, 1, -1, -0.6]);
  });

  it('reads RGB input the same way as RGBA', () => {
    const rgb = [10, 20, 30, 40, 50, 60];
    const rgba = [10, 20, 30, 255, 40, 50, 60, 255];
    const norm = { scale: 1 / 255, offset: 0 };
    expect(normalizePixels(rgb, 3, norm)).toEqual(normalizePixels(rgba, 4, norm));
  });

  it('downscales huge photos to the longest side, never upscales, keeps the aspect ratio', () => {
    expect(fitWithin(8000, 6000, 1024)).toEqual({ width: 1024, height: 768 });
    expect(fitWithin(6000, 8000, 1024)).toEqual({ width: 768, height: 1024 });
    expect(fitWithin(640, 480, 1024)).toEqual({ width: 640, height: 480 });
    expect(fitWithin(20000, 10, 1024)).toEqual({ width: 1024, height: 1 });
  });

  it('crops the centre share of each side (training and the browser use the same rectangle)', () => {
    expect(cropRect(320, 240)).toEqual({ left: 0, top: 0, width: 320, height: 240 });
    expect(cropRect(320, 240, 0.75)).toEqual({ left: 40, top: 30, width: 240, height: 180 });
    expect(cropRect(101, 50, 0.5)).toEqual({ left: 25, top: 12, width: 51, height: 25 });
    expect(cropRect(3, 3, 0.01)).toEqual({ left: 1, top: 1, width: 1, height: 1 });
  });
});
