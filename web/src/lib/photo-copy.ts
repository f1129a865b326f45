/**
 * The copy of a photo that may leave the device when the person shares photos: decoded (turned
 * upright by its EXIF orientation), downscaled so its longest side is at most PHOTO_MAX_SIDE, drawn on
 * a canvas and encoded as JPEG. A canvas encodes pixels only, so nothing of the original's EXIF, GPS
 * or other metadata survives; what the browser's encoder adds of its own (Chromium writes an sRGB
 * ICC profile) is cut too, so the copy is the JFIF header and the image, nothing else.
 */
import { MAX_PHOTO_BYTES, PHOTO_MAX_SIDE } from '../../../edge/src/contract-constants';
import { sha256Hex } from '../../../edge/src/sha256';
import { drawWithin, encodePreview, type AnyCanvas } from './classifier/image';
import type { PhotoCopy } from './db';

/** The JPEG quality of the copy, and a lower one for a picture too busy to fit the server's size limit. */
const COPY_QUALITIES = [0.85, 0.5] as const;

/** Makes the shareable copy of `photo` (any image the browser decodes) and its sha256. */
export async function photoCopy(photo: Blob): Promise<PhotoCopy> {
  const bitmap = await createImageBitmap(photo, { imageOrientation: 'from-image' });
  let canvas: AnyCanvas;
  try {
    canvas = drawWithin(bitmap, bitmap.width, bitmap.height, PHOTO_MAX_SIDE);
  } finally {
    bitmap.close();
  }
  let jpeg = await encodePreview(canvas, COPY_QUALITIES[0]);
  // A very busy picture may need a lower quality to fit.
  if (jpeg.size > MAX_PHOTO_BYTES) jpeg = await encodePreview(canvas, COPY_QUALITIES[1]);
  const bare = withoutMetadata(new Uint8Array(await jpeg.arrayBuffer())).buffer;
  return { jpeg: bare, sha256: await sha256Hex(bare) };
}

/**
 * A JPEG without its metadata segments: every APP1-APP15 (EXIF, XMP, ICC profiles, ...) and comment
 * before the image data goes; APP0 (JFIF) and everything needed to decode stay. Throws on bytes that
 * are not a well-formed JPEG, rather than pass them on.
 */
export function withoutMetadata(jpeg: Uint8Array): Uint8Array<ArrayBuffer> {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  const kept: Uint8Array[] = [jpeg.subarray(0, 2)];
  let at = 2;
  for (;;) {
    if (at + 4 > jpeg.length || jpeg[at] !== 0xff) throw new Error('a malformed JPEG');
    const marker = jpeg[at + 1]!;
    // SOS: the entropy-coded image follows, to the end.
    if (marker === 0xda) break;
    const end = at + 2 + ((jpeg[at + 2]! << 8) | jpeg[at + 3]!);
    if (end > jpeg.length) throw new Error('a malformed JPEG');
    const metadata = (marker >= 0xe1 && marker <= 0xef) || marker === 0xfe;
    if (!metadata) kept.push(jpeg.subarray(at, end));
    at = end;
  }
  kept.push(jpeg.subarray(at));
  const out = new Uint8Array(kept.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of kept) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
