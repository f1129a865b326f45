/** Photos to pixels in the browser: decode with EXIF orientation, downscale, then the shared preprocessing. */
import { cropRect, fitWithin, normalizePixels, type Normalization } from './preprocess';

/** Longest side a photo is kept at after decoding; enough to show it and far above the model's input. */
export const MAX_SIDE = 1024;

export class UndecodableImageError extends Error {
  constructor(name: string) {
    super(`“${name}” is not an image this browser can read. Try a JPEG, PNG or WebP photo.`);
    this.name = 'UndecodableImageError';
  }
}

/** Decodes a file (orientation from EXIF) into a canvas no larger than MAX_SIDE on its longest side. */
export async function decodePhoto(blob: Blob, name = 'This file'): Promise<HTMLCanvasElement> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
  } catch {
    throw new UndecodableImageError(name);
  }
  try {
    return drawWithin(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

/** Copies a frame (a video, a bitmap) into a canvas no larger than MAX_SIDE. */
export function drawWithin(source: CanvasImageSource, width: number, height: number): HTMLCanvasElement {
  const size = fitWithin(width, height, MAX_SIDE);
  const canvas = document.createElement('canvas');
  canvas.width = size.width;
  canvas.height = size.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot draw images (no 2D canvas).');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, size.width, size.height);
  return canvas;
}

let inputCanvas: HTMLCanvasElement | undefined;

/** The model's input for a photo: its centre `crop` stretched to [h, w] like training does, then normalised, RGB floats. */
export function modelInput(photo: HTMLCanvasElement, [h, w]: readonly [number, number], norm: Normalization, crop = 1): Float32Array {
  // One canvas reused for every prediction (setting its size clears it).
  const canvas = (inputCanvas ??= document.createElement('canvas'));
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('This browser cannot draw images (no 2D canvas).');
  ctx.imageSmoothingQuality = 'high';
  const r = cropRect(photo.width, photo.height, crop);
  ctx.drawImage(photo, r.left, r.top, r.width, r.height, 0, 0, w, h);
  return normalizePixels(ctx.getImageData(0, 0, w, h).data, 4, norm);
}
