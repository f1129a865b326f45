/** The classifier's own weight decoding gives what tfjs's decodeWeights gives, for every quantization. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { decodeFloatWeights, halfToFloat } from '../../web/src/lib/classifier/weights.ts';

const concat = (parts: ArrayBufferView[]) => {
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    bytes.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), offset);
    offset += p.byteLength;
  }
  return bytes;
};

describe('decodeFloatWeights', () => {
  // A uint8 weight of 1-4 bytes first puts the others at every alignment: read in place where aligned, copied where not.
  it.each([1, 2, 3, 4])('dequantizes uint8, uint16 and float16 weights and copies float32 ones exactly as tfjs does (after %i bytes)', (lead) => {
    const half = new Uint16Array([0x0000, 0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x3555, 0x8400, 0x7c00, 0xfc00]);
    const parts = [new Uint8Array([0, 1, 127, 255]).subarray(0, lead), new Uint16Array([0, 300, 65535]), half, new Float32Array([0.5, -1.25, 3e-8])];
    const specs: tf.io.WeightsManifestEntry[] = [
      { name: 'a', shape: [lead], dtype: 'float32', quantization: { dtype: 'uint8', min: -0.54, scale: 0.0045 } },
      { name: 'b', shape: [3], dtype: 'float32', quantization: { dtype: 'uint16', min: 1.5, scale: 0.001 } },
      { name: 'c', shape: [10], dtype: 'float32', quantization: { dtype: 'float16' } },
      { name: 'd', shape: [3], dtype: 'float32' }
    ];
    const bytes = concat(parts);
    const ours = decodeFloatWeights(bytes.buffer, specs)!;
    const theirs = tf.io.decodeWeights(bytes.buffer, specs);
    for (const spec of specs) {
      expect(ours.get(spec.name)!.shape).toEqual(spec.shape);
      expect([...ours.get(spec.name)!.data]).toEqual([...theirs[spec.name]!.dataSync()]);
    }
    tf.dispose(Object.values(theirs));
    // The weights are copies: changing one leaves the file's bytes alone.
    ours.get('d')!.data[0] = 7;
    expect(new Float32Array(bytes.buffer.slice(bytes.length - 12))[0]).toBe(0.5);
  });

  it('names the weight a short weights file cuts off', () => {
    const specs: tf.io.WeightsManifestEntry[] = [
      { name: 'a', shape: [2], dtype: 'float32' },
      { name: 'b', shape: [4], dtype: 'float32', quantization: { dtype: 'uint8', min: 0, scale: 1 } }
    ];
    expect(() => decodeFloatWeights(new ArrayBuffer(11), specs)).toThrow("the model's weights end before b does (11 bytes, 12 needed)");
  });

  it('widens half floats, subnormals and infinities included', () => {
    expect([0x3c00, 0xc000, 0x0001, 0x7c00, 0xfc00].map(halfToFloat)).toEqual([1, -2, 2 ** -24, Infinity, -Infinity]);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it('leaves models with integer weights to tfjs', () => {
    expect(decodeFloatWeights(new ArrayBuffer(8), [{ name: 'i', shape: [2], dtype: 'int32' }])).toBeNull();
  });
});
