/** The size of the photo copy that may be shared: at most PHOTO_MAX_SIDE on its longest side, never upscaled. */
import { describe, expect, it } from 'vitest';
import { PHOTO_MAX_SIDE } from '../../edge/src/contract.ts';
import { copySize } from '../../web/src/lib/photo-copy.ts';

describe('copySize', () => {
  it(`scales the longest side down to ${PHOTO_MAX_SIDE} px and keeps the aspect ratio`, () => {
    expect(PHOTO_MAX_SIDE).toBe(320);
    expect(copySize(4000, 3000)).toEqual({ width: 320, height: 240 });
    expect(copySize(3000, 4000)).toEqual({ width: 240, height: 320 });
    expect(copySize(1080, 1920)).toEqual({ width: 180, height: 320 });
    expect(copySize(640, 640)).toEqual({ width: 320, height: 320 });
  });

  it('never upscales, and never makes a side zero', () => {
    expect(copySize(200, 100)).toEqual({ width: 200, height: 100 });
    expect(copySize(320, 10)).toEqual({ width: 320, height: 10 });
    expect(copySize(10_000, 3)).toEqual({ width: 320, height: 1 });
  });
});
