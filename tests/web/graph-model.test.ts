/**
 * The graph runner (layer-graph.ts + graph-model.ts) computes what tfjs-layers computes for every
 * layer it takes, on tfjs's CPU backend; a model it cannot express is refused with a reason, and the
 * classifier then runs it on tfjs-layers.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildableModel, Classifier } from '../../web/src/lib/classifier/classifier.ts';
import { GraphModel } from '../../web/src/lib/classifier/graph-model.ts';
import { layerGraph, UnsupportedTopologyError } from '../../web/src/lib/classifier/layer-graph.ts';
import { decodeFloatWeights } from '../../web/src/lib/classifier/weights.ts';
import { modelArtifacts } from '../../training/src/model/io.ts';
import { modelFiles } from './fixtures/model-files.ts';

const SIZE = 9;
const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;

/** Largest difference between tfjs-layers' and the graph runner's outputs on random inputs. */
async function maxDifference(model: tf.LayersModel): Promise<number> {
  const a = await modelArtifacts(model);
  const graph = GraphModel.build(tf, layerGraph(a.modelTopology), decodeFloatWeights(a.weightData as ArrayBuffer, a.weightSpecs!)!);
  const x = tf.randomUniform([2, SIZE, SIZE, 3], -1, 1, 'float32', 7);
  const before = tf.memory().numTensors;
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(model.predict(x) as tf.Tensor, graph.predict(x)))).dataSync()[0]!);
  expect(tf.memory().numTensors).toBe(before);
  x.dispose();
  graph.dispose();
  return diff;
}

let backbone: tf.LayersModel;
let everyLayer: tf.LayersModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  // A nested backbone, as the app's models have: padding, a strided valid conv, a depthwise conv
  // with tanh (not a fused activation), a residual add, a ReLU capped at 0.3.
  const bIn = tf.input({ shape: [SIZE, SIZE, 3], name: 'b_in' });
  const padded = apply(tf.layers.zeroPadding2d({ padding: [[1, 0], [0, 1]], name: 'pad' }), bIn);
  const c1 = apply(tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu6', name: 'c1' }), padded);
  const d1 = apply(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 1, activation: 'tanh', name: 'd1' }), c1);
  const sum = apply(tf.layers.add({ name: 'sum' }), [c1, d1]);
  const capped = apply(tf.layers.reLU({ maxValue: 0.3, name: 'capped' }), sum);
  backbone = tf.model({ inputs: bIn, outputs: capped, name: 'backbone' });

  const input = tf.input({ shape: [SIZE, SIZE, 3], name: 'image' });
  const features = apply(backbone, input);
  const bn = apply(tf.layers.batchNormalization({ name: 'bn' }), features);
  const avg = apply(tf.layers.globalAveragePooling2d({ name: 'avg' }), bn);
  const max = apply(tf.layers.globalMaxPooling2d({ name: 'max' }), bn);
  // Dense on a 4-D tensor acts on its last axis.
  const perPixel = apply(tf.layers.flatten({ name: 'flat' }), apply(tf.layers.dense({ units: 2, activation: 'sigmoid', name: 'per_pixel' }), bn));
  const joined = apply(tf.layers.concatenate({ name: 'joined' }), [avg, max, perPixel]);
  const hidden = apply(tf.layers.dropout({ rate: 0.5, name: 'drop' }), apply(tf.layers.dense({ units: 6, activation: 'elu', name: 'hidden' }), joined));
  const leaky = apply(tf.layers.leakyReLU({ alpha: 0.2, name: 'leaky' }), hidden);
  const output = apply(tf.layers.activation({ activation: 'softmax', name: 'soft' }), apply(tf.layers.dense({ units: 3, name: 'head' }), leaky));
  everyLayer = tf.model({ inputs: input, outputs: output });
  // BatchNorm statistics far from the identity.
  const bnLayer = everyLayer.getLayer('bn');
  bnLayer.setWeights(bnLayer.getWeights().map((w, i) => tf.randomUniform(w.shape, i === 3 ? 0.2 : -0.8, i === 3 ? 2 : 0.8, 'float32', 3 + i)));
});

describe('the layer graph', () => {
  it('opens nested models up into one list of steps in running order', async () => {
    const g = layerGraph((await modelArtifacts(everyLayer)).modelTopology);
    const names = g.steps.map((s) => s.name);
    expect(names.slice(0, 5)).toEqual(['pad', 'c1', 'd1', 'sum', 'capped']);
    expect(names).not.toContain('backbone');
    expect(names).not.toContain('drop');
    expect(g.steps[0]!.inputs).toEqual([g.inputName]);
    expect(g.steps.find((s) => s.name === 'bn')!.inputs).toEqual(['capped']);
    expect(g.steps.find((s) => s.name === 'sum')!.inputs).toEqual(['c1', 'd1']);
    expect(g.steps.find((s) => s.name === 'leaky')!.inputs).toEqual(['hidden']);
    expect(g.output).toBe('soft');
  });

  it('refuses, with the reason, a layer it has no op for, a layer called twice, a grouped convolution and an activation it lacks', () => {
    const pooled = tf.sequential({ layers: [tf.layers.maxPooling2d({ inputShape: [SIZE, SIZE, 3], poolSize: 2 }), tf.layers.flatten({}), tf.layers.dense({ units: 2 })] });
    expect(() => layerGraph(pooled.toJSON(null, false))).toThrow(UnsupportedTopologyError);
    expect(() => layerGraph(pooled.toJSON(null, false))).toThrow('MaxPooling2D');
    const input = tf.input({ shape: [SIZE, SIZE, 3] });
    const shared = tf.layers.conv2d({ filters: 3, kernelSize: 1, name: 'shared' });
    const twice = tf.model({ inputs: input, outputs: apply(shared, apply(shared, input)) });
    expect(() => layerGraph(twice.toJSON(null, false))).toThrow('shared is called 2 times');
    const topology = JSON.parse(JSON.stringify(pooled.toJSON(null, false)).replace('"MaxPooling2D"', '"Conv2D"').replace('"pool_size"', '"groups":2,"pool_size"'));
    expect(() => layerGraph(topology)).toThrow('is a grouped convolution');
    const swish = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, activation: 'swish' })] });
    expect(() => layerGraph(swish.toJSON(null, false))).toThrow('uses the activation swish');
  });
});

describe('the graph model', () => {
  it('computes what tfjs-layers computes, for every layer it takes', async () => {
    expect(await maxDifference(everyLayer)).toBeLessThan(1e-5);
  });

  it('releases its weights when disposed', async () => {
    const a = await modelArtifacts(everyLayer);
    const before = tf.memory().numTensors;
    const graph = GraphModel.build(tf, layerGraph(a.modelTopology), decodeFloatWeights(a.weightData as ArrayBuffer, a.weightSpecs!)!);
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    graph.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names a missing weight', async () => {
    const a = await modelArtifacts(everyLayer);
    const weights = decodeFloatWeights(a.weightData as ArrayBuffer, a.weightSpecs!)!;
    weights.delete('head/kernel');
    const before = tf.memory().numTensors;
    expect(() => GraphModel.build(tf, layerGraph(a.modelTopology), weights)).toThrow('head/kernel');
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the classifier', () => {
  it('runs a model the graph takes on the graph, and one it does not on tfjs-layers, with the same answers', async () => {
    const graphFiles = await modelFiles(everyLayer, { labels: ['cat', 'dog', 'neither'], size: SIZE });
    expect('graph' in buildableModel(graphFiles)).toBe(true);
    const pooled = tf.sequential({
      layers: [tf.layers.conv2d({ inputShape: [SIZE, SIZE, 3], filters: 4, kernelSize: 3, activation: 'relu' }), tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten({}), tf.layers.dense({ units: 2, activation: 'softmax' })]
    });
    const layersFiles = await modelFiles(pooled, { labels: ['cat', 'dog'], size: SIZE });
    expect('artifacts' in buildableModel(layersFiles)).toBe(true);
    for (const [model, files] of [[everyLayer, graphFiles], [pooled, layersFiles]] as const) {
      const c = await Classifier.create(tf, files);
      const input = tf.randomUniform([1, SIZE, SIZE, 3], -1, 1, 'float32', 11);
      const expected = tf.tidy(() => (model.predict(input) as tf.Tensor).dataSync());
      const got = await c.predict(input.dataSync() as Float32Array);
      c.metadata.labels.forEach((label, i) => expect(got.probabilities[label]).toBeCloseTo(expected[i]!, 5));
      input.dispose();
      c.dispose();
    }
  });
});
