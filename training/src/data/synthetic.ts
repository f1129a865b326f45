/**
 * Made-up photos with no cat or dog, drawn by this code from a seed: extra `neither` examples for
 * what the real non-pet photos lack (noise, flat colour, gradients, screens and documents, patterns).
 * A phone meets these (a pocket shot, a lens cap, a screen) and the old model called them "dog".
 * Pure: RGB bytes out, no I/O.
 */
import { hashSeed, mulberry32 } from './random.ts';

export const SYNTHETIC_KINDS = ['noise', 'smooth-noise', 'flat', 'gradient', 'shapes', 'stripes', 'screen', 'document'] as const;
export type SyntheticKind = (typeof SYNTHETIC_KINDS)[number];

type Rgb = [number, number, number];

class Canvas {
  readonly px: Uint8Array;
  constructor(
    readonly w: number,
    readonly h: number
  ) {
    this.px = new Uint8Array(w * h * 3);
  }
  set(x: number, y: number, c: Rgb, alpha = 1): void {
    if (x < 0 || y < 0 || x >= this.w || y >= this.h) return;
    const i = (y * this.w + x) * 3;
    for (let k = 0; k < 3; k++) this.px[i + k] = Math.round(this.px[i + k]! * (1 - alpha) + c[k]! * alpha);
  }
  fill(c: Rgb): void {
    for (let i = 0; i < this.px.length; i += 3) this.px.set(c, i);
  }
  rect(x0: number, y0: number, x1: number, y1: number, c: Rgb, alpha = 1): void {
    for (let y = Math.max(0, Math.floor(y0)); y < Math.min(this.h, y1); y++) for (let x = Math.max(0, Math.floor(x0)); x < Math.min(this.w, x1); x++) this.set(x, y, c, alpha);
  }
  ellipse(cx: number, cy: number, rx: number, ry: number, c: Rgb, alpha = 1): void {
    for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(this.h, cy + ry); y++) {
      for (let x = Math.max(0, Math.floor(cx - rx)); x < Math.min(this.w, cx + rx); x++) {
        if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) this.set(x, y, c, alpha);
      }
    }
  }
}

const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

/** Bilinear upsampling of a coarse random grid: smooth blotches like out-of-focus or textured surfaces. */
function smoothNoise(cv: Canvas, r: () => number, cells: number, base: Rgb, amp: number): void {
  const g = cells + 1;
  const grid = Array.from({ length: g * g }, () => [r(), r(), r()].map((v) => (v - 0.5) * 2 * amp));
  for (let y = 0; y < cv.h; y++) {
    for (let x = 0; x < cv.w; x++) {
      const gx = (x / cv.w) * cells;
      const gy = (y / cv.h) * cells;
      const ix = Math.min(cells - 1, Math.floor(gx));
      const iy = Math.min(cells - 1, Math.floor(gy));
      const fx = gx - ix;
      const fy = gy - iy;
      const at = (a: number, b: number) => grid[b * g + a]!;
      const c: Rgb = [0, 0, 0];
      for (let k = 0; k < 3; k++) {
        const top = at(ix, iy)[k]! * (1 - fx) + at(ix + 1, iy)[k]! * fx;
        const bottom = at(ix, iy + 1)[k]! * (1 - fx) + at(ix + 1, iy + 1)[k]! * fx;
        c[k] = clamp(base[k]! + top * (1 - fy) + bottom * fy);
      }
      cv.set(x, y, c);
    }
  }
}

/** An image of `kind`, fully determined by (seed, index). */
export function syntheticImage(kind: SyntheticKind, seed: number, index: number, width: number, height: number): Uint8Array {
  const r = mulberry32(hashSeed(seed, `${kind}:${index}`));
  const colour = (): Rgb => [r() * 255, r() * 255, r() * 255].map(Math.round) as Rgb;
  const cv = new Canvas(width, height);
  const { w, h } = cv;
  switch (kind) {
    case 'noise': {
      const grey = r() < 0.3;
      for (let i = 0; i < cv.px.length; i += 3) {
        const v = r() * 255;
        cv.px[i] = grey ? v : r() * 255;
        cv.px[i + 1] = grey ? v : r() * 255;
        cv.px[i + 2] = grey ? v : r() * 255;
      }
      break;
    }
    case 'smooth-noise':
      smoothNoise(cv, r, 2 + Math.floor(r() * 14), colour(), 40 + r() * 90);
      break;
    case 'flat': {
      // Lens cap, wall, sky: one colour with sensor noise and vignetting.
      const c = colour();
      const noise = 2 + r() * 12;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const d = Math.hypot(x / w - 0.5, y / h - 0.5);
          const v = 1 - d * d * r() * 0.8;
          cv.set(x, y, c.map((k) => clamp(k * v + (r() - 0.5) * noise)) as Rgb);
        }
      }
      break;
    }
    case 'gradient': {
      const a = colour();
      const b = colour();
      const angle = r() * Math.PI * 2;
      const radial = r() < 0.4;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const u = x / w - 0.5;
          const v = y / h - 0.5;
          const t = radial ? Math.min(1, Math.hypot(u, v) * 1.6) : Math.min(1, Math.max(0, 0.5 + u * Math.cos(angle) + v * Math.sin(angle)));
          cv.set(x, y, [0, 1, 2].map((k) => clamp(a[k]! * (1 - t) + b[k]! * t)) as Rgb);
        }
      }
      break;
    }
    case 'shapes': {
      smoothNoise(cv, r, 2, colour(), 30);
      const n = 3 + Math.floor(r() * 25);
      for (let i = 0; i < n; i++) {
        const cx = r() * w;
        const cy = r() * h;
        const s = (0.05 + r() * 0.4) * Math.min(w, h);
        if (r() < 0.5) cv.rect(cx - s, cy - s * (0.3 + r()), cx + s, cy + s * (0.3 + r()), colour(), 0.6 + r() * 0.4);
        else cv.ellipse(cx, cy, s, s * (0.4 + r()), colour(), 0.6 + r() * 0.4);
      }
      break;
    }
    case 'stripes': {
      const a = colour();
      const b = colour();
      const period = 4 + r() * 40;
      const angle = r() * Math.PI;
      const checker = r() < 0.3;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const u = x * Math.cos(angle) + y * Math.sin(angle);
          const v = -x * Math.sin(angle) + y * Math.cos(angle);
          const on = checker ? (Math.floor(u / period) + Math.floor(v / period)) % 2 === 0 : Math.floor(u / period) % 2 === 0;
          cv.set(x, y, on ? a : b);
        }
      }
      break;
    }
    case 'screen':
    case 'document': {
      // Lines of glyph-like marks in columns and panels: a phone screen, a monitor, a printed page.
      const dark = kind === 'screen' && r() < 0.5;
      const bg: Rgb = dark ? [20 + r() * 30, 20 + r() * 30, 30 + r() * 40].map(Math.round) as Rgb : [225 + r() * 30, 225 + r() * 30, 220 + r() * 35].map(Math.round) as Rgb;
      cv.fill(bg);
      const ink: Rgb = dark ? [220, 220, 230] : [20 + r() * 40, 20 + r() * 40, 20 + r() * 60].map(Math.round) as Rgb;
      if (kind === 'screen') {
        const bars = 1 + Math.floor(r() * 3);
        for (let i = 0; i < bars; i++) {
          const y0 = r() * h;
          cv.rect(0, y0, w, y0 + h * (0.05 + r() * 0.1), colour());
        }
        for (let i = 0; i < 1 + Math.floor(r() * 3); i++) {
          const x0 = r() * w * 0.7;
          const y0 = r() * h * 0.7;
          cv.rect(x0, y0, x0 + w * (0.1 + r() * 0.3), y0 + h * (0.1 + r() * 0.25), colour());
        }
      }
      const lineH = 4 + r() * 10;
      const margin = w * (0.05 + r() * 0.1);
      for (let y = margin; y < h - lineH; y += lineH * (1.4 + r() * 0.8)) {
        let x = margin;
        const end = w - margin - r() * w * 0.3;
        while (x < end) {
          const word = lineH * (0.8 + r() * 3);
          cv.rect(x, y, Math.min(end, x + word), y + lineH * 0.7, ink, 0.7 + r() * 0.3);
          x += word + lineH * 0.5;
        }
      }
      break;
    }
  }
  return cv.px;
}
