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

const BYTES = { uint8: 1, uint16: 2, float16: 2, float32: 4 } as const;

// The loops live in small functions of their own: V8 optimises a function after a few calls, where
// the same loop inline in the caller's body would run unoptimised for most of a cold start's weights.
function lookUp(raw: Uint16Array, table: Float32Array, out: Float32Array): void {
  for (let i = 0; i < raw.length; i++) out[i] = table[raw[i]!]!;
}

function dequantize(raw: Uint8Array | Uint16Array, scale: number, min: number, out: Float32Array): void {
  for (let i = 0; i < raw.length; i++) out[i] = raw[i]! * scale + min;
}

/**
 * `length` elements of `data` from byte `offset`: a view where the offset is aligned for the type,
 * else a copy. No copy of the shard per weight: fresh memory is slow to touch on a cold start.
 */
function view<T extends Float32Array | Uint16Array>(type: { new (b: ArrayBuffer, o?: number, l?: number): T; BYTES_PER_ELEMENT: number }, data: ArrayBuffer, offset: number, length: number): T {
  const bytes = type.BYTES_PER_ELEMENT;
  return offset % bytes === 0 ? new type(data, offset, length) : new type(data.slice(offset, offset + bytes * length));
}

/** Every weight as float32, or null when one is not a float (int32, bool, string: left to tfjs). */
export function decodeFloatWeights(data: ArrayBuffer, specs: readonly io.WeightsManifestEntry[]): WeightMap | null {
  const weights: WeightMap = new Map();
  let offset = 0;
  for (const spec of specs) {
    const q = spec.quantization;
    const dtype = q ? q.dtype : spec.dtype;
    if (spec.dtype !== 'float32' || !(dtype in BYTES)) return null;
    const size = spec.shape.reduce((n, d) => n * d, 1);
    const end = offset + BYTES[dtype as keyof typeof BYTES] * size;
    if (end > data.byteLength) throw new Error(`the model's weights end before ${spec.name} does (${data.byteLength} bytes, ${end} needed)`);
    const values = new Float32Array(size);
    if (dtype === 'float32') values.set(view(Float32Array, data, offset, size));
    else if (dtype === 'float16') lookUp(view(Uint16Array, data, offset, size), halfTableOnce(), values);
    else if (dtype === 'uint8') dequantize(new Uint8Array(data, offset, size), q!.scale ?? 1, q!.min ?? 0, values);
    else dequantize(view(Uint16Array, data, offset, size), q!.scale ?? 1, q!.min ?? 0, values);
    offset = end;
    weights.set(spec.name, { data: values, shape: spec.shape });
  }
  return weights;
}
