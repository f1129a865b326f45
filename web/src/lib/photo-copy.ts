/**
 * The copy of a photo that may leave the device when the person shares photos: decoded (turned
 * upright by its EXIF orientation), downscaled so its longest side is at most PHOTO_MAX_SIDE, drawn on
 * a canvas and encoded as JPEG. A canvas encodes pixels only, so the copy carries no EXIF, GPS or any
 * other metadata of the original.
 */
import { MAX_PHOTO_BYTES, PHOTO_MAX_SIDE } from '../../../edge/src/contract';
import { sha256Hex } from '../../../edge/src/sha256';
import { fitWithin } from './classifier/preprocess';
import type { PhotoCopy } from './db';

/** The JPEG quality of the copy, and a lower one for a picture too busy to fit the server's size limit. */
const COPY_QUALITIES = [0.85, 0.5] as const;

/** The copy's size: the longest side at most `maxSide`, never upscaled, the aspect ratio kept. */
export function copySize(width: number, height: number, maxSide = PHOTO_MAX_SIDE): { width: number; height: number } {
  return fitWithin(width, height, maxSide);
}

/** Makes the shareable copy of `photo` (any image the browser decodes) and its sha256. */
export async function photoCopy(photo: Blob): Promise<PhotoCopy> {
  const bitmap = await createImageBitmap(photo, { imageOrientation: 'from-image' });
  const size = copySize(bitmap.width, bitmap.height);
  const canvas = typeof OffscreenCanvas === 'undefined' ? Object.assign(document.createElement('canvas'), size) : new OffscreenCanvas(size.width, size.height);
  try {
    const ctx = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
    if (!ctx) throw new Error('This browser cannot draw images (no 2D canvas).');
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, size.width, size.height);
  } finally {
    bitmap.close();
  }
  let jpeg = await encodeJpeg(canvas, COPY_QUALITIES[0]);
  // A very busy picture may need a lower quality to fit.
  if (jpeg.byteLength > MAX_PHOTO_BYTES) jpeg = await encodeJpeg(canvas, COPY_QUALITIES[1]);
  return { jpeg, sha256: await sha256Hex(jpeg) };
}

async function encodeJpeg(canvas: OffscreenCanvas | HTMLCanvasElement, quality: number): Promise<ArrayBuffer> {
  const blob =
    'convertToBlob' in canvas
      ? await canvas.convertToBlob({ type: 'image/jpeg', quality })
      : await new Promise<Blob>((ok, fail) => canvas.toBlob((b) => (b ? ok(b) : fail(new Error('This browser cannot encode images.'))), 'image/jpeg', quality));
  return blob.arrayBuffer();
}
