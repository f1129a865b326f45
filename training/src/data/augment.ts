/**
 * Seeded augmentation parameters (pure). The decode step applies them with sharp, so an augmented
 * copy of an image is fully determined by (file hash, seed, copy index, config) and can be cached.
 */
import { hashSeed, mulberry32 } from './random.ts';

export interface AugmentConfig {
  flip: boolean;
  /** max rotation in degrees, either way */
  rotate: number;
  /** smallest crop side as a fraction of the image (1 = no crop/zoom) */
  minCrop: number;
  /** max brightness shift in 0..255 units and max contrast change as a fraction */
  brightness: number;
  contrast: number;
}

export const DEFAULT_AUGMENT: AugmentConfig = { flip: true, rotate: 10, minCrop: 0.8, brightness: 20, contrast: 0.15 };

export interface AugmentParams {
  flip: boolean;
  angle: number;
  /** crop size and centre, as fractions of the (rotated) image */
  crop: number;
  cx: number;
  cy: number;
  /** pixel' = contrast * pixel + offset */
  contrast: number;
  offset: number;
}

export function augmentParams(cfg: AugmentConfig, seed: number, fileHash: string, copy: number): AugmentParams {
  const r = mulberry32(hashSeed(seed + copy * 7919, fileHash));
  const between = (a: number, b: number) => a + (b - a) * r();
  const crop = between(cfg.minCrop, 1);
  const contrast = 1 + between(-cfg.contrast, cfg.contrast);
  return {
    flip: cfg.flip && r() < 0.5,
    angle: between(-cfg.rotate, cfg.rotate),
    crop,
    cx: between(crop / 2, 1 - crop / 2),
    cy: between(crop / 2, 1 - crop / 2),
    contrast,
    offset: 128 * (1 - contrast) + between(-cfg.brightness, cfg.brightness)
  };
}

/** A short stable key for the cache: the config and seed fully determine every copy's params. */
export function augmentKey(cfg: AugmentConfig, seed: number, copy: number): string {
  return `aug-f${+cfg.flip}-r${cfg.rotate}-c${cfg.minCrop}-b${cfg.brightness}-k${cfg.contrast}-s${seed}-n${copy}`;
}
