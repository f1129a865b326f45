/**
 * Photos to pixels: decode with EXIF orientation, downscale, then the shared preprocessing. Runs in
 * the classifier's worker on OffscreenCanvas, or on the page with a <canvas> where a worker has none.
 */
import { cropRect, fitWithin, normalizePixels, type Normalization } from './preprocess';

/** Longest side a photo is kept at after decoding; enough to show it and far above the model's input. */
export const MAX_SIDE = 1024;

export type AnyCanvas = OffscreenCanvas | HTMLCanvasElement;

export class UndecodableImageError extends Error {
  constructor(name: string) {
    super(`“${name}” is not an image this browser can read. Try a JPEG, PNG or WebP photo.`);
    this.name = 'UndecodableImageError';
  }
}

/** Whether this realm can draw without a document (a worker with OffscreenCanvas 2D). */
export function hasOffscreenCanvas(): boolean {
  try {
    return typeof OffscreenCanvas !== 'undefined' && new OffscreenCanvas(1, 1).getContext('2d') !== null;
  } catch {
    return false;
  }
}

function newCanvas(width: number, height: number): AnyCanvas {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

/**
 * A 2D context kept in memory (`willReadFrequently`): every canvas here is read back on the CPU (the
 * model's pixels, the preview's JPEG), which on a GPU canvas is a slow round trip per photo.
 */
function context2d(canvas: AnyCanvas): OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D {
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
  if (!ctx) throw new Error('This browser cannot draw images (no 2D canvas).');
  ctx.imageSmoothingQuality = 'high';
  return ctx;
}

/** Decodes a file (orientation from EXIF) into a canvas no larger than MAX_SIDE on its longest side. */
export async function decodePhoto(blob: Blob, name = 'This file'): Promise<AnyCanvas> {
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

/** Copies a frame (a video, a bitmap) into a canvas no larger than `maxSide` on its longest side. */
export function drawWithin(source: CanvasImageSource, width: number, height: number, maxSide = MAX_SIDE): AnyCanvas {
  const size = fitWithin(width, height, maxSide);
  const canvas = newCanvas(size.width, size.height);
  context2d(canvas).drawImage(source, 0, 0, size.width, size.height);
  return canvas;
}

/** The photo as a JPEG for showing it (the page displays this, never the full-size original). */
export function encodePreview(canvas: AnyCanvas, quality = 0.85): Promise<Blob> {
  if ('convertToBlob' in canvas) return canvas.convertToBlob({ type: 'image/jpeg', quality });
  return new Promise((ok, fail) => canvas.toBlob((b) => (b ? ok(b) : fail(new Error('This browser cannot encode images.'))), 'image/jpeg', quality));
}

let inputCanvas: AnyCanvas | undefined;

/**
 * The model's input for a photo: its centre `crop` stretched to [h, w] like training does, then
 * normalised, RGB floats. A camera frame comes already cropped and sized (crop 1).
 */
export function modelInput(photo: AnyCanvas | ImageBitmap, [h, w]: readonly [number, number], norm: Normalization, crop = 1): Float32Array {
  // One canvas reused for every prediction (setting its size clears it).
  const canvas = (inputCanvas ??= newCanvas(w, h));
  canvas.width = w;
  canvas.height = h;
  const ctx = context2d(canvas);
  const r = cropRect(photo.width, photo.height, crop);
  ctx.drawImage(photo, r.left, r.top, r.width, r.height, 0, 0, w, h);
  return normalizePixels(ctx.getImageData(0, 0, w, h).data, 4, norm);
}
