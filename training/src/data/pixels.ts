/**
 * The RGB pixels one view of one example contributes: a photo decoded (optionally augmented) or a
 * synthetic image drawn, at the model's input size, optionally mirrored left-right.
 */
import sharp from 'sharp';
import type { AugmentParams } from './augment.ts';
import { decodeRgb, mirrorRgb } from './decode.ts';
import { syntheticImage, type SyntheticKind } from './synthetic.ts';

export interface PixelSource {
  path?: string;
  synthetic?: { kind: SyntheticKind; seed: number; index: number };
}

export interface ViewParams {
  aug?: AugmentParams;
  /** the resized image mirrored left-right */
  mirror?: boolean;
}

/** `crop` is the model's centre crop (metadata.json), applied as the app applies it. */
export async function pixelsOf(src: PixelSource, size: number, view: ViewParams = {}, crop = 1): Promise<Uint8Array> {
  let rgb: Uint8Array;
  const target = { width: size, height: size };
  if (src.synthetic) {
    const s = src.synthetic;
    rgb = syntheticImage(s.kind, s.seed, s.index, size, size);
    // Augmented copies go through the same decode path as photos (crop, rotation, colour).
    if (view.aug || crop < 1) {
      const png = await sharp(rgb, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
      rgb = await decodeRgb(png, target, { aug: view.aug, crop });
    }
  } else if (src.path) rgb = await decodeRgb(src.path, target, { aug: view.aug, crop });
  else throw new Error('an example needs a path or a synthetic recipe');
  return view.mirror ? mirrorRgb(rgb, size, size) : rgb;
}
