/**
 * Photo bytes → RGB pixels at the model's input size, with sharp. Geometry follows the shared
 * browser definition (web/src/lib/classifier/preprocess.ts): EXIF orientation applied, whole photo
 * stretched to [h, w] (`fit: 'fill'`). Truncated files are rejected, not padded.
 */
import sharp, { type OutputInfo, type Sharp } from 'sharp';
import { cropRect, normalizePixels, type Normalization } from '../../../web/src/lib/classifier/preprocess.ts';
import type { AugmentParams } from './augment.ts';

export interface Size {
  height: number;
  width: number;
}

const OPEN = { failOn: 'truncated' as const };

async function finish(img: Sharp, size: Size): Promise<Uint8Array> {
  const { data, info } = await img
    .resize(size.width, size.height, { fit: 'fill' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || data.byteLength !== size.width * size.height * 3) {
    throw new Error(`unexpected decode result ${info.width}x${info.height}x${info.channels}`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export interface DecodeOptions {
  aug?: AugmentParams;
  /** the model's centre crop (metadata.json `crop`), applied last, after any augmentation */
  crop?: number;
}

const raw = (d: Buffer, i: OutputInfo) => sharp(d, { raw: { width: i.width, height: i.height, channels: i.channels as 3 } });

/** A seeded augmented copy of an upright RGB image: mirror, rotation, crop, colour, blur, JPEG quality. */
async function augmented(data: Buffer, info: OutputInfo, aug: AugmentParams): Promise<{ data: Buffer; info: OutputInfo }> {
  const rotated = await (aug.flip ? raw(data, info).flop() : raw(data, info))
    .rotate(aug.angle, { background: { r: 128, g: 128, b: 128 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const rw = rotated.info.width;
  const rh = rotated.info.height;
  // Crop inside the original extent so little of the rotation's grey corners remains.
  const cw = Math.max(1, Math.min(rw, Math.round(info.width * aug.crop)));
  const ch = Math.max(1, Math.min(rh, Math.round(info.height * aug.crop)));
  const left = Math.min(rw - cw, Math.max(0, Math.round(rw / 2 + (aug.cx - 0.5) * info.width - cw / 2)));
  const top = Math.min(rh - ch, Math.max(0, Math.round(rh / 2 + (aug.cy - 0.5) * info.height - ch / 2)));
  let img = raw(rotated.data, rotated.info)
    .extract({ left, top, width: cw, height: ch })
    .linear(aug.contrast, aug.offset)
    .modulate({ saturation: aug.saturation });
  if (aug.blur > 0) img = img.blur(aug.blur);
  if (aug.jpegQuality > 0) {
    const jpeg = await img.jpeg({ quality: aug.jpegQuality }).toBuffer();
    img = sharp(jpeg);
  }
  return img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
}

/** RGB bytes [h*w*3] of the photo (EXIF orientation applied), optionally augmented, centre-cropped as the model says. */
export async function decodeRgb(input: Buffer | string, size: Size, opts: DecodeOptions = {}): Promise<Uint8Array> {
  const crop = opts.crop ?? 1;
  if (!opts.aug && crop >= 1) return finish(sharp(input, OPEN).rotate(), size);
  // Stages: sharp allows one rotate per pipeline, and the crop needs the upright size.
  let { data, info }: { data: Buffer; info: OutputInfo } = await sharp(input, OPEN).rotate().toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (opts.aug) ({ data, info } = await augmented(data, info, opts.aug));
  const r = cropRect(info.width, info.height, crop);
  return finish(raw(data, info).extract(r), size);
}

/** Left-right mirror of RGB bytes [h*w*3] (what the exported model's mirror view computes). */
export function mirrorRgb(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3;
      const d = (y * width + (width - 1 - x)) * 3;
      out[d] = rgb[s]!;
      out[d + 1] = rgb[s + 1]!;
      out[d + 2] = rgb[s + 2]!;
    }
  }
  return out;
}

/** Normalised float32 [h*w*3] through the shared definition. */
export function normalize(rgb: Uint8Array, norm: Normalization): Float32Array {
  return normalizePixels(rgb, 3, norm);
}
