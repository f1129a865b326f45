/**
 * Weight quantization in the tfjs weights-manifest format. tfjs decodes `quantization` entries on load
 * (uint8/uint16: value = q * scale + min; float16: IEEE half), but nothing on npm writes them, so this
 * module does. Pure functions over typed arrays; no tfjs dependency.
 */
export type QuantDtype = 'float16' | 'uint16' | 'uint8';
export type WeightDtype = QuantDtype | 'float32';

export interface Quantization {
  dtype: QuantDtype;
  min?: number;
  scale?: number;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | 'string' | 'complex64';
  quantization?: Quantization;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → IEEE 754 half bits, round to nearest even, with overflow to infinity and subnormals. */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // too small: signed zero
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let m = mant >>> shift;
    if (rest > half || (rest === half && (m & 1))) m++;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1))) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? Number.NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * Affine range for n-bit quantization. Like the tfjs converter, min is nudged so that 0.0 is exactly
 * representable when the range spans it (zero weights, e.g. padding or pruned units, stay zero).
 */
export function affineParams(values: Float32Array, dtype: 'uint8' | 'uint16'): { min: number; scale: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (values.length === 0) return { min: 0, scale: 1 };
  const qmax = dtype === 'uint8' ? 255 : 65535;
  if (hi === lo) return { min: lo, scale: 1 };
  const scale = (hi - lo) / qmax;
  if (lo <= 0 && hi >= 0) {
    const zero = Math.round(-lo / scale);
    return { min: -zero * scale, scale };
  }
  return { min: lo, scale };
}

export function quantizeValues(values: Float32Array, dtype: QuantDtype): { bytes: Uint8Array; quantization: Quantization } {
  if (dtype === 'float16') {
    const out = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i]!);
    return { bytes: new Uint8Array(out.buffer), quantization: { dtype } };
  }
  const { min, scale } = affineParams(values, dtype);
  const qmax = dtype === 'uint8' ? 255 : 65535;
  const out = dtype === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    out[i] = Math.min(qmax, Math.max(0, Math.round((values[i]! - min) / scale)));
  }
  return { bytes: new Uint8Array(out.buffer), quantization: { dtype, min, scale } };
}

/** Inverse of quantizeValues, with the same arithmetic tfjs uses when it loads the weights. */
export function dequantizeValues(bytes: Uint8Array, q: Quantization): Float32Array {
  if (q.dtype === 'uint8') return Float32Array.from(bytes, (v) => v * q.scale! + q.min!);
  const u16 = new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (q.dtype === 'uint16') return Float32Array.from(u16, (v) => v * q.scale! + q.min!);
  return Float32Array.from(u16, fromFloat16Bits);
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Rewrites float32 weights (specs + one concatenated buffer, as tfjs saves them) with a per-weight
 * dtype chosen by `policy`. Non-float32 weights and those mapped to 'float32' are copied unchanged.
 */
export function quantizeWeights(
  specs: readonly WeightSpec[],
  data: ArrayBuffer,
  policy: (spec: WeightSpec) => WeightDtype
): { specs: WeightSpec[]; data: ArrayBuffer } {
  const parts: Uint8Array[] = [];
  const outSpecs: WeightSpec[] = [];
  let offset = 0;
  for (const spec of specs) {
    if (spec.quantization) throw new Error(`weight ${spec.name} is already quantized`);
    if (spec.dtype !== 'float32' && spec.dtype !== 'int32') throw new Error(`unsupported weight dtype ${spec.dtype}`);
    const n = size(spec.shape);
    const raw = new Uint8Array(data, offset, n * 4);
    offset += n * 4;
    const dtype = spec.dtype === 'float32' ? policy(spec) : 'float32';
    if (dtype === 'float32') {
      parts.push(raw.slice());
      outSpecs.push({ ...spec });
      continue;
    }
    const values = new Float32Array(raw.slice().buffer);
    const { bytes, quantization } = quantizeValues(values, dtype);
    parts.push(bytes);
    outSpecs.push({ ...spec, quantization });
  }
  const total = parts.reduce((a, p) => a + p.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return { specs: outSpecs, data: out.buffer };
}

const LARGE_WEIGHT = 100_000;

/** Named per-layer policies measured by training; smallest first is not implied. */
export const POLICIES = {
  float32: () => 'float32',
  float16: () => 'float16',
  uint16: () => 'uint16',
  // uint8 on depthwise kernels and on BatchNorm/bias vectors breaks MobileNets; keep those in float16.
  'uint8-conv': (s: WeightSpec) => (isDepthwise(s) || s.shape.length < 2 ? 'float16' : 'uint8'),
  // Only the big pointwise kernels in uint8: the early, small layers are where uint8 error hurts most
  // and cost little to keep in float16. The test-time mirror matrix is 0/1, exact in uint8.
  'uint8-large': (s: WeightSpec) =>
    s.name.startsWith('mirror_matrix/') || (!isDepthwise(s) && s.shape.length >= 2 && size(s.shape) >= LARGE_WEIGHT) ? 'uint8' : 'float16',
  uint8: () => 'uint8'
} satisfies Record<string, (s: WeightSpec) => WeightDtype>;
export type PolicyName = keyof typeof POLICIES;

function isDepthwise(s: WeightSpec): boolean {
  return /depthwise/i.test(s.name);
}

/** Bytes a weight list takes under a policy, without quantizing anything. */
export function quantizedBytes(specs: readonly WeightSpec[], policy: (s: WeightSpec) => WeightDtype): number {
  const per: Record<WeightDtype, number> = { float32: 4, float16: 2, uint16: 2, uint8: 1 };
  return specs.reduce((a, s) => a + size(s.shape) * (s.dtype === 'float32' ? per[policy(s)] : 4), 0);
}
