/**
 * A video for Chromium's fake camera (`--use-file-for-fake-video-capture`), made from photos: Y4M
 * (YUV4MPEG2), 4:2:0 chroma, each photo held for a number of frames. Chromium plays it in a loop.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import sharp from 'sharp';

/** RGB bytes (row-major, 3 per pixel) to planar Y, Cb, Cr (JPEG full range, chroma averaged over 2×2). */
export function rgbToI420(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const cw = width >> 1;
  const ch = height >> 1;
  const out = new Uint8Array(width * height + 2 * cw * ch);
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  for (let i = 0; i < width * height; i++) out[i] = clamp(0.299 * rgb[3 * i]! + 0.587 * rgb[3 * i + 1]! + 0.114 * rgb[3 * i + 2]!);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const p = 3 * ((2 * y + dy) * width + 2 * x + dx);
        r += rgb[p]!;
        g += rgb[p + 1]!;
        b += rgb[p + 2]!;
      }
      [r, g, b] = [r / 4, g / 4, b / 4];
      out[width * height + y * cw + x] = clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
      out[width * height + cw * ch + y * cw + x] = clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
    }
  }
  return out;
}

/** Writes a Y4M video showing each photo (cropped to fill the frame) for `framesEach` frames. */
export async function writeY4m(path: string, photos: string[], { width = 320, height = 240, fps = 10, framesEach = 20 } = {}): Promise<void> {
  const out = createWriteStream(path);
  out.write(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
  for (const photo of photos) {
    const rgb = await sharp(photo).rotate().resize(width, height, { fit: 'cover' }).removeAlpha().raw().toBuffer();
    const frame = rgbToI420(rgb, width, height);
    for (let i = 0; i < framesEach; i++) {
      out.write('FRAME\n');
      if (!out.write(frame)) await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
}
