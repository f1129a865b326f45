/**
 * The two-class model the browser test publishes is the three-class one with its last layer cut to
 * cat and dog: on any input it gives the three-class model's cat and dog probabilities renormalised,
 * and each weight keeps its storage type; the swapped one (the publish gate's worse candidate) swaps
 * the cat and dog probabilities. Checked here on a small model, in Node.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelMetadata } from '../../edge/src/contract.ts';
import { loadModel, modelArtifacts, readModelJson, writeModel } from '../../training/src/model/io.ts';
import { columnsOfLastAxis, writeSwappedModel, writeTwoClassModel } from './two-class-model.ts';

let dir: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'pawlens-two-class-'));
  const input = tf.input({ shape: [4, 4, 3] });
  const features = tf.layers.globalAveragePooling2d({}).apply(tf.layers.conv2d({ filters: 5, kernelSize: 3 }).apply(input)) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 3, activation: 'softmax', name: 'classifier' }).apply(features) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  // The conv kernel stored as uint8, the rest float32, as a quantized export would.
  const files = writeModel(join(dir, 'three'), await modelArtifacts(model), (s) => (s.shape.length === 4 ? 'uint8' : 'float32'));
  model.dispose();
  const metadata = {
    version: '1.0.0',
    created: '2026-11-27T00:00:00Z',
    labels: ['cat', 'dog', 'neither'],
    inputSize: [4, 4],
    normalization: { scale: 1, offset: 0 },
    unsureThreshold: 0.6,
    metrics: { accuracy: 0.9, nonPetRejected: 0.95 },
    datasetFingerprint: 'x',
    backend: 'cpu',
    runId: 'unit',
    files
  };
  writeFileSync(join(dir, 'three', 'metadata.json'), JSON.stringify(metadata));
  await writeTwoClassModel(join(dir, 'three'), join(dir, 'two'), '1.0.0-two-class');
  await writeSwappedModel(join(dir, 'three'), join(dir, 'swapped'), '1.0.0-swapped');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('two-class test model', () => {
  it('picks entries of the last axis', () => {
    expect([...columnsOfLastAxis(Float32Array.of(1, 2, 3, 4, 5, 6), 3, [0, 1])]).toEqual([1, 2, 4, 5]);
    expect([...columnsOfLastAxis(Float32Array.of(7, 8, 9), 3, [0, 1])]).toEqual([7, 8]);
    expect([...columnsOfLastAxis(Float32Array.of(1, 2, 3, 4, 5, 6), 3, [1, 0, 2])]).toEqual([2, 1, 3, 5, 4, 6]);
  });

  it('gives the cat and dog probabilities of the three-class model, renormalised', async () => {
    const [three, two] = await Promise.all([loadModel(join(dir, 'three')), loadModel(join(dir, 'two'))]);
    const x = tf.randomUniform([6, 4, 4, 3], -1, 1, 'float32', 7);
    const p3 = (three.predict(x) as tf.Tensor).arraySync() as number[][];
    const p2 = (two.predict(x) as tf.Tensor).arraySync() as number[][];
    expect(p2[0]).toHaveLength(2);
    p3.forEach((p, i) => {
      expect(p2[i]![0]).toBeCloseTo(p[0]! / (p[0]! + p[1]!), 5);
      expect(p2[i]![1]).toBeCloseTo(p[1]! / (p[0]! + p[1]!), 5);
    });
    x.dispose();
    three.dispose();
    two.dispose();
  });

  it('the swapped model gives the cat probability as dog and the dog probability as cat', async () => {
    const [three, swapped] = await Promise.all([loadModel(join(dir, 'three')), loadModel(join(dir, 'swapped'))]);
    const x = tf.randomUniform([4, 4, 4, 3], -1, 1, 'float32', 9);
    const p3 = (three.predict(x) as tf.Tensor).arraySync() as number[][];
    const ps = (swapped.predict(x) as tf.Tensor).arraySync() as number[][];
    p3.forEach((p, i) => [p[1]!, p[0]!, p[2]!].forEach((v, k) => expect(ps[i]![k]).toBeCloseTo(v, 5)));
    expect(ModelMetadata.parse(JSON.parse(readFileSync(join(dir, 'swapped', 'metadata.json'), 'utf8')))).toMatchObject({ version: '1.0.0-swapped', labels: ['cat', 'dog', 'neither'] });
    x.dispose();
    three.dispose();
    swapped.dispose();
  });

  it('keeps each weight\'s storage type and says labels cat, dog in a valid metadata.json', () => {
    const dtypes = (d: string) => readModelJson(join(dir, d)).weightsManifest.flatMap((g) => g.weights.map((w) => w.quantization?.dtype ?? 'float32'));
    expect(dtypes('two')).toEqual(dtypes('three'));
    const metadata = ModelMetadata.parse(JSON.parse(readFileSync(join(dir, 'two', 'metadata.json'), 'utf8')));
    expect(metadata).toMatchObject({ version: '1.0.0-two-class', labels: ['cat', 'dog'], metrics: { accuracy: 0.9 } });
    expect(metadata.metrics.nonPetRejected).toBeUndefined();
  });
});
