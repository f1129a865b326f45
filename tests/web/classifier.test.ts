/**
 * The browser classifier's model loading and prediction, run in Node on tfjs's CPU backend with a
 * small layers-model saved the way tfjs saves (model.json + one shard + metadata.json).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Classifier, toArtifacts } from '../../web/src/lib/classifier/classifier.ts';
import { readMetadata } from '../../web/src/lib/classifier/metadata.ts';
import { MOBILENET_NORMALIZATION, normalizePixels } from '../../web/src/lib/classifier/preprocess.ts';
import { probabilitiesOf, verdictFor } from '../../web/src/lib/classifier/verdict.ts';
import type { ModelFiles } from '../../web/src/lib/model-store/store.ts';
import { modelFiles } from './fixtures/model-files.ts';

const SIZE = 8;
let files: ModelFiles;
let reference: tf.LayersModel;
let threeClass: { files: ModelFiles; reference: tf.LayersModel };

/** A small layers-model with `units` softmax outputs, saved as model.json + one shard + metadata.json. */
async function savedModel(units: number, labels: string[]): Promise<{ files: ModelFiles; reference: tf.LayersModel }> {
  const reference = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [SIZE, SIZE, 3], filters: 4, kernelSize: 3, activation: 'relu' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units, activation: 'softmax' })
    ]
  });
  return { files: await modelFiles(reference, { labels, size: SIZE }), reference };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  ({ files, reference } = await savedModel(2, ['cat', 'dog']));
  threeClass = await savedModel(3, ['cat', 'dog', 'neither']);
});

afterAll(() => {
  reference.dispose();
  threeClass.reference.dispose();
});

function photo(seed: number): Float32Array {
  const rgba = Uint8Array.from({ length: SIZE * SIZE * 4 }, (_, i) => (i * 37 + seed * 101) % 256);
  return normalizePixels(rgba, 4, MOBILENET_NORMALIZATION);
}

describe('classifier', () => {
  it('rebuilds the exact model from its files and predicts what it predicts', async () => {
    const c = await Classifier.create(tf, files);
    expect(c.metadata.version).toBe('2026.11.24-unit');
    expect(c.backend).toBe('cpu');
    const input = photo(1);
    const p = await c.predict(input);
    const expected = tf.tidy(() => (reference.predict(tf.tensor4d(input, [1, SIZE, SIZE, 3])) as tf.Tensor).dataSync());
    expect(p.probabilities.cat).toBeCloseTo(expected[0]!, 6);
    expect(p.probabilities.dog).toBeCloseTo(expected[1]!, 6);
    expect(p.probabilities.cat + p.probabilities.dog).toBeCloseTo(1, 5);
    c.dispose();
  });

  it('leaks no tensors: the count after 50 predictions equals the count after 1', async () => {
    const c = await Classifier.create(tf, files);
    await c.predict(photo(0));
    const after1 = tf.memory().numTensors;
    for (let i = 1; i <= 50; i++) await c.predict(photo(i));
    expect(tf.memory().numTensors).toBe(after1);
    const before = tf.memory().numTensors;
    c.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });

  it('names a three-class model\'s outputs cat, dog, neither and gives the verdict of the one rule', async () => {
    const c = await Classifier.create(tf, threeClass.files);
    const input = photo(2);
    const p = await c.predict(input);
    const expected = tf.tidy(() => (threeClass.reference.predict(tf.tensor4d(input, [1, SIZE, SIZE, 3])) as tf.Tensor).dataSync());
    expect(Object.keys(p.probabilities)).toEqual(['cat', 'dog', 'neither']);
    expect(p.probabilities.neither).toBeCloseTo(expected[2]!, 6);
    expect(p).toMatchObject(verdictFor(probabilitiesOf(expected, ['cat', 'dog', 'neither']), 0.7));
    c.dispose();
  });

  it('refuses a model whose outputs do not match its labels, so the store never activates it', async () => {
    const mislabelled = new Map(threeClass.files);
    mislabelled.set('metadata.json', files.get('metadata.json')!);
    const before = tf.memory().numTensors;
    await expect(Classifier.create(tf, mislabelled)).rejects.toThrow('outputs 3 values, expected 2');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a model with a missing shard or without metadata', async () => {
    const missing = new Map(files);
    missing.delete('group1-shard1of1.bin');
    expect(() => toArtifacts(missing)).toThrow('group1-shard1of1.bin');
    expect(() => readMetadata(new Map())).toThrow('metadata.json');
  });

  it('answers "unsure" below the threshold from metadata.json', () => {
    expect(verdictFor({ cat: 0.9, dog: 0.1 }, 0.7)).toEqual({ verdict: 'cat', label: 'cat', confidence: 0.9 });
    expect(verdictFor({ cat: 0.2, dog: 0.8 }, 0.7)).toEqual({ verdict: 'dog', label: 'dog', confidence: 0.8 });
    expect(verdictFor({ cat: 0.4, dog: 0.6 }, 0.7)).toEqual({ verdict: 'unsure', label: 'dog', confidence: 0.6 });
  });

  it('says "neither" when that is the top class of a three-class model, and "unsure" below the threshold', () => {
    expect(verdictFor({ cat: 0.05, dog: 0.15, neither: 0.8 }, 0.7)).toEqual({ verdict: 'neither', label: 'neither', confidence: 0.8 });
    expect(verdictFor({ cat: 0.3, dog: 0.2, neither: 0.5 }, 0.7)).toEqual({ verdict: 'unsure', label: 'neither', confidence: 0.5 });
    expect(verdictFor({ cat: 0.75, dog: 0.05, neither: 0.2 }, 0.7)).toEqual({ verdict: 'cat', label: 'cat', confidence: 0.75 });
  });

  it("names output values by the model's labels, two or three", () => {
    expect(probabilitiesOf([0.1, 0.9], ['cat', 'dog'])).toEqual({ cat: 0.1, dog: 0.9 });
    expect(probabilitiesOf([0.1, 0.2, 0.7], ['cat', 'dog', 'neither'])).toEqual({ cat: 0.1, dog: 0.2, neither: 0.7 });
    expect(() => probabilitiesOf([0.1, 0.2, 0.7], ['cat', 'dog'])).toThrow('outputs 3 values, expected 2');
  });
});
