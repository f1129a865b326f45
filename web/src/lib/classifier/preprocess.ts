/**
 * The one preprocessing definition shared by the browser and the training CLI.
 * Geometry: the centre `crop` of the photo (a share of its width and of its height, `metadata.json`'s
 * `crop`, 1 = the whole photo) is stretched to the model's input size (training resizes with sharp
 * `fit: 'fill'`, the browser draws into a canvas of that size). Values: RGB, each channel mapped with
 * `x * scale + offset` as `metadata.json` says ([-1, 1] for MobileNet: scale 1/127.5, offset -1).
 */
export interface Normalization {
  scale: number;
  offset: number;
}

export const MOBILENET_NORMALIZATION: Normalization = { scale: 1 / 127.5, offset: -1 };

/** RGB or RGBA bytes (row-major, interleaved) to normalised RGB floats; alpha is dropped. */
export function normalizePixels(
  pixels: ArrayLike<number>,
  channels: 3 | 4,
  norm: Normalization
): Float32Array {
  const n = Math.floor(pixels.length / channels);
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const s = i * channels;
    const d = i * 3;
    out[d] = pixels[s]! * norm.scale + norm.offset;
    out[d + 1] = pixels[s + 1]! * norm.scale + norm.offset;
    out[d + 2] = pixels[s + 2]! * norm.scale + norm.offset;
  }
  return out;
}

/** Size to decode a photo at before it becomes a tensor: longest side at most `maxSide`, never upscaled. */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number } {
  const k = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) };
}

/** The part of a width x height photo the model sees: its centre, `crop` of each side (1 = all of it). */
export function cropRect(width: number, height: number, crop = 1): { left: number; top: number; width: number; height: number } {
  const w = Math.max(1, Math.min(width, Math.round(width * crop)));
  const h = Math.max(1, Math.min(height, Math.round(height * crop)));
  return { left: Math.floor((width - w) / 2), top: Math.floor((height - h) / 2), width: w, height: h };
}
