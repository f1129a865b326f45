/**
 * A perceptual hash to find near-duplicate photos (the same picture resized, re-encoded or slightly
 * edited): dHash, 64 bits. The photo is reduced to a 9x8 grid of mean luminance; each bit says
 * whether a cell is darker than its right-hand neighbour. Close pictures differ in few bits.
 * Pure but for `photoDHash`, which decodes in the browser.
 */

const COLS = 9;
const ROWS = 8;

/** The dHash of RGBA pixels (row-major, 4 bytes a pixel) as 16 hex digits. */
export function dHash(rgba: ArrayLike<number>, width: number, height: number): string {
  if (width < 1 || height < 1 || rgba.length < width * height * 4) throw new Error(`dHash: ${rgba.length} bytes are not ${width}x${height} RGBA pixels`);
  const cells = new Float64Array(COLS * ROWS);
  for (let cy = 0; cy < ROWS; cy++) {
    const [y0, y1] = span(cy, ROWS, height);
    for (let cx = 0; cx < COLS; cx++) {
      const [x0, x1] = span(cx, COLS, width);
      let sum = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const i = (y * width + x) * 4;
          sum += 0.299 * rgba[i]! + 0.587 * rgba[i + 1]! + 0.114 * rgba[i + 2]!;
        }
      }
      cells[cy * COLS + cx] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
  let bits = 0n;
  for (let cy = 0; cy < ROWS; cy++) {
    for (let cx = 0; cx < COLS - 1; cx++) bits = (bits << 1n) | (cells[cy * COLS + cx]! < cells[cy * COLS + cx + 1]! ? 1n : 0n);
  }
  return bits.toString(16).padStart(16, '0');
}

/** The pixel range [start, end) of cell `i` of `n` along a side of `size` pixels; never empty. */
function span(i: number, n: number, size: number): [number, number] {
  const start = Math.min(size - 1, Math.floor((i * size) / n));
  return [start, Math.max(start + 1, Math.floor(((i + 1) * size) / n))];
}

/** How many of the 64 bits two hashes differ in. */
export function hamming(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let n = 0;
  for (; x; x &= x - 1n) n++;
  return n;
}

/** Decodes a photo in the browser and hashes it. */
export async function photoDHash(photo: Blob): Promise<string> {
  const bitmap = await createImageBitmap(photo);
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('This browser cannot draw images (no 2D canvas).');
    ctx.drawImage(bitmap, 0, 0);
    return dHash(ctx.getImageData(0, 0, bitmap.width, bitmap.height).data, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}
