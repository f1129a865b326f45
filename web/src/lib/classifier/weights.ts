/**
 * A layers-model's weight data as float32 arrays by name, dequantized in plain code (tfjs's own
 * decoding makes a tensor of every weight first, which costs more than the arithmetic). The
 * formulas are tfjs's: uint8/uint16 `q * scale + min`, float16 widened. Pure.
 */
import type { io } from '@tensorflow/tfjs-core';
import type { WeightMap } from './inference-model';

/** Widens an IEEE 754 half-precision value (its 16 bits) to a number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Every half value widened, built on first float16 decode: a lookup beats ~1M calls per model. */
let halfTable: Float32Array | null = null;
function halfTableOnce(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

const BYTES = { uint8: 1, uint16: 2, float16: 2 } as const;

// The loops live in small functions of their own: V8 optimises a function after a few calls, where
// the same loop inline in the caller's body would run unoptimised for most of a cold start's weights.
function lookUp(raw: Uint16Array, table: Float32Array, out: Float32Array): void {
  for (let i = 0; i < raw.length; i++) out[i] = table[raw[i]!]!;
}

function dequantize(raw: Uint8Array | Uint16Array, scale: number, min: number, out: Float32Array): void {
  for (let i = 0; i < raw.length; i++) out[i] = raw[i]! * scale + min;
}

/** Every weight as float32, or null when one is not a float (int32, bool, string: left to tfjs). */
export function decodeFloatWeights(data: ArrayBuffer, specs: readonly io.WeightsManifestEntry[]): WeightMap | null {
  const weights: WeightMap = new Map();
  let offset = 0;
  for (const spec of specs) {
    if (spec.dtype !== 'float32') return null;
    const size = spec.shape.reduce((n, d) => n * d, 1);
    const q = spec.quantization;
    const values = new Float32Array(size);
    if (!q) {
      values.set(new Float32Array(data.slice(offset, offset + 4 * size)));
      offset += 4 * size;
    } else {
      const dtype = q.dtype as keyof typeof BYTES;
      if (!(dtype in BYTES)) return null;
      const bytes = data.slice(offset, offset + BYTES[dtype] * size);
      offset += BYTES[dtype] * size;
      if (dtype === 'float16') lookUp(new Uint16Array(bytes), halfTableOnce(), values);
      else if (dtype === 'uint8') dequantize(new Uint8Array(bytes), q.scale ?? 1, q.min ?? 0, values);
      else dequantize(new Uint16Array(bytes), q.scale ?? 1, q.min ?? 0, values);
    }
    weights.set(spec.name, { data: values, shape: spec.shape });
  }
  return weights;
}
