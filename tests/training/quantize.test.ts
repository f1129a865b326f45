import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../training/src/backend.ts';
import { fileLoader, modelArtifacts, readModelJson, writeModel } from '../../training/src/model/io.ts';
import {
  POLICIES,
  affineParams,
  dequantizeValues,
  fromFloat16Bits,
  quantizeValues,
  quantizedBytes,
  toFloat16Bits,
  type WeightSpec
} from '../../training/src/model/quantize.ts';
import { mulberry32 } from '../../training/src/data/random.ts';

function randomValues(n: number, lo: number, hi: number, seed = 1): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

describe('float16', () => {
  it('encodes known values exactly', () => {
    expect(toFloat16Bits(0)).toBe(0);
    expect(toFloat16Bits(-0)).toBe(0x8000);
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(1e6)).toBe(0x7c00); // overflow → inf
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(fromFloat16Bits(0x3555)).toBeCloseTo(0.33325, 5);
  });

  it('round trip relative error ≤ 2^-11 for normal values', () => {
    const v = randomValues(5000, -8, 8);
    const back = dequantizeValues(quantizeValues(v, 'float16').bytes, { dtype: 'float16' });
    v.forEach((x, i) => {
      if (Math.abs(x) > 6.2e-5) expect(Math.abs(back[i]! - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11 + 1e-12);
    });
  });
});

describe('affine uint8 / uint16', () => {
  for (const dtype of ['uint8', 'uint16'] as const) {
    it(`${dtype} round trip error ≤ scale / 2 and zero stays exact`, () => {
      const v = randomValues(5000, -0.7, 1.3, 7);
      v[10] = 0;
      const { bytes, quantization } = quantizeValues(v, dtype);
      expect(bytes.byteLength).toBe(v.length * (dtype === 'uint8' ? 1 : 2));
      const back = dequantizeValues(bytes, quantization);
      const scale = quantization.scale!;
      const range = Math.max(...v) - Math.min(...v);
      expect(scale).toBeCloseTo(range / (dtype === 'uint8' ? 255 : 65535), 9);
      v.forEach((x, i) => expect(Math.abs(back[i]! - x)).toBeLessThanOrEqual(scale / 2 + 1e-6));
      expect(back[10]).toBe(0);
    });
  }

  it('handles constant and all-positive tensors', () => {
    expect(affineParams(Float32Array.from([3, 3, 3]), 'uint8')).toEqual({ min: 3, scale: 1 });
    const pos = Float32Array.from([1, 2, 3]);
    const q = quantizeValues(pos, 'uint8');
    expect(Array.from(dequantizeValues(q.bytes, q.quantization))).toEqual([1, expect.closeTo(2, 2) as unknown as number, 3]);
  });
});

describe('quantized manifests load with tf.loadLayersModel', () => {
  let model: tf.LayersModel;
  let dir: string;
  const x = () => tf.randomUniform([4, 32, 32, 3], -1, 1, 'float32', 3);

  beforeAll(async () => {
    await initBackend({ quiet: true });
    // A small MobileNet-like graph: conv, depthwise, pointwise, BN, pooling, softmax head.
    const input = tf.input({ shape: [32, 32, 3] });
    let h = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', name: 'conv1' }).apply(input) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization({ name: 'bn1' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.reLU({ maxValue: 6 }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', name: 'conv_dw' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.conv2d({ filters: 16, kernelSize: 1, name: 'conv_pw', activation: 'relu' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, activation: 'softmax', name: 'head' }).apply(h) as tf.SymbolicTensor;
    model = tf.model({ inputs: input, outputs: out });
    dir = mkdtempSync(join(tmpdir(), 'pawlens-quant-'));
  });
  afterAll(() => {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [policy, tol] of [
    ['float32', 1e-6],
    ['float16', 2e-3],
    ['uint16', 1e-3],
    ['uint8-conv', 2e-2],
    ['uint8-large', 2e-2]
  ] as const) {
    it(`${policy}: manifest entries, file size and predictions within ${tol} of float32`, async () => {
      const artifacts = await modelArtifacts(model);
      const specs = artifacts.weightSpecs as WeightSpec[];
      const out = join(dir, policy);
      const files = writeModel(out, artifacts, POLICIES[policy], 256);
      const shards = files.filter((f) => f.path.endsWith('.bin'));
      expect(shards.length).toBeGreaterThan(1); // shard splitting exercised
      expect(shards.reduce((a, f) => a + f.bytes, 0)).toBe(quantizedBytes(specs, POLICIES[policy]));
      const manifest = readModelJson(out).weightsManifest[0]!.weights as WeightSpec[];
      if (policy === 'uint8-conv') {
        expect(manifest.find((w) => w.name.includes('depthwise'))?.quantization?.dtype).toBe('float16');
        expect(manifest.find((w) => w.name === 'conv_pw/kernel')?.quantization?.dtype).toBe('uint8');
        expect(manifest.find((w) => w.name === 'bn1/gamma')?.quantization?.dtype).toBe('float16');
      }
      const loaded = await tf.loadLayersModel(fileLoader(out));
      const input = x();
      const a = model.predict(input) as tf.Tensor;
      const b = loaded.predict(input) as tf.Tensor;
      const diff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
      expect(diff).toBeLessThanOrEqual(tol);
      tf.dispose([input, a, b]);
      loaded.dispose();
    });
  }
});
