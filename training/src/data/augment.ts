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
  /** max saturation change as a fraction */
  saturation: number;
  /** chance of a Gaussian blur, and its largest sigma in pixels of the decoded photo */
  blurChance: number;
  maxBlur: number;
  /** chance of a JPEG re-encode, and the lowest quality */
  jpegChance: number;
  minJpegQuality: number;
}

export const DEFAULT_AUGMENT: AugmentConfig = {
  flip: true,
  rotate: 12,
  minCrop: 0.65,
  brightness: 25,
  contrast: 0.2,
  saturation: 0.3,
  blurChance: 0.25,
  maxBlur: 2,
  jpegChance: 0.3,
  minJpegQuality: 30
};

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
  /** saturation multiplier (1 = unchanged) */
  saturation: number;
  /** Gaussian blur sigma, 0 = none */
  blur: number;
  /** JPEG re-encode quality, 0 = none */
  jpegQuality: number;
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
    offset: 128 * (1 - contrast) + between(-cfg.brightness, cfg.brightness),
    saturation: 1 + between(-cfg.saturation, cfg.saturation),
    blur: r() < cfg.blurChance ? between(0.3, Math.max(0.3, cfg.maxBlur)) : 0,
    jpegQuality: r() < cfg.jpegChance ? Math.round(between(cfg.minJpegQuality, 90)) : 0
  };
}

/** A short stable key for the cache: the config and seed fully determine every copy's params. */
export function augmentKey(cfg: AugmentConfig, seed: number, copy: number): string {
  const c = cfg;
  return `aug-f${+c.flip}-r${c.rotate}-c${c.minCrop}-b${c.brightness}-k${c.contrast}-s${c.saturation}-bl${c.blurChance}x${c.maxBlur}-j${c.jpegChance}x${c.minJpegQuality}-s${seed}-n${copy}`;
}
