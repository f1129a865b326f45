/**
 * A Keras layers-model's topology (model.json, the inference rewrite's output) as a flat list of
 * steps in running order: nested models are opened up, input layers and their aliases resolved, so
 * that graph-model.ts can run it with plain tfjs-core ops instead of tfjs-layers. A topology this
 * cannot run exactly (a layer class or setting outside the list below, a layer called twice, several
 * inputs or outputs) throws UnsupportedTopologyError, and the caller falls back to tfjs-layers. Pure.
 */

export interface Step {
  /** The layer's class (Conv2D, Dense, …); its weights are named `<name>/<weight>`. */
  className: string;
  name: string;
  config: Record<string, unknown>;
  /** The steps (or the graph's input, `inputName`) whose outputs this one reads, in order. */
  inputs: string[];
}

export interface LayerGraph {
  /** Name of the graph's one input tensor. */
  inputName: string;
  steps: Step[];
  /** The step whose output is the model's output. */
  output: string;
}

export class UnsupportedTopologyError extends Error {
  constructor(why: string) {
    super(`This model needs TensorFlow.js layers: ${why}.`);
    this.name = 'UnsupportedTopologyError';
  }
}

export const ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'tanh', 'softmax'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

interface LayerJson {
  class_name: string;
  name?: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown[];
}

const MODEL_CLASSES = new Set(['Model', 'Functional', 'Sequential']);
/** Layers that only pass their input on at inference. */
const IDENTITY = new Set(['Dropout', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

/** Whether a BatchNormalization's `axis` (a number, or a list of one) is the channel axis of a 4-D NHWC tensor. */
export function isChannelAxis(axis: unknown): boolean {
  const a = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
  return a === -1 || a === 3;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nameOf = (l: LayerJson) => String(l.name ?? l.config.name);

/** Whether graph-model.ts runs this layer exactly as tfjs-layers would; else why not. */
function unsupportedBecause(l: LayerJson): string | null {
  const c = l.config;
  if ((c.data_format ?? 'channels_last') !== 'channels_last') return `${nameOf(l)} is channels_first`;
  const activation = c.activation ?? null;
  const activationWhy = activation === null || ACTIVATIONS.includes(activation as ActivationName) ? null : `${nameOf(l)} uses the activation ${String(activation)}`;
  switch (l.class_name) {
    case 'Conv2D':
      return (c.groups ?? 1) !== 1 ? `${nameOf(l)} is a grouped convolution` : activationWhy;
    case 'DepthwiseConv2D':
    case 'Dense':
    case 'Activation':
      return activationWhy;
    case 'ReLU':
      return (c.negative_slope ?? 0) === 0 && (c.threshold ?? 0) === 0 ? null : `${nameOf(l)} is a ReLU with a slope or threshold`;
    case 'BatchNormalization':
      return isChannelAxis(c.axis) ? null : `${nameOf(l)} normalises another axis`;
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
    case 'Concatenate':
    case 'Add':
    case 'Flatten':
    case 'LeakyReLU':
    case 'ZeroPadding2D':
      return null;
    default:
      return IDENTITY.has(l.class_name) ? null : `it has a ${l.class_name} layer`;
  }
}

/** Flattens a model topology (model.json's `modelTopology`) into steps; see the module comment. */
export function layerGraph(topology: unknown): LayerGraph {
  const root = isRecord(topology) && isRecord(topology.model_config) ? topology.model_config : topology;
  if (!isRecord(root) || !MODEL_CLASSES.has(String(root.class_name))) throw new UnsupportedTopologyError('its topology is not a model');
  const steps: Step[] = [];
  const inputName = '__input__';
  const [output] = flatten(root as unknown as LayerJson, [inputName], steps);
  return { inputName, steps, output: output! };
}

/** Adds `model`'s layers to `steps`, its inputs fed by `inputs`; returns the names of its outputs. */
function flatten(model: LayerJson, inputs: string[], steps: Step[]): string[] {
  const layers = Array.isArray(model.config.layers) ? (model.config.layers as LayerJson[]) : [];
  /** What each layer's output is called in `steps` (an input layer is its feed, a nested model its output). */
  const source = new Map<string, string>();
  const produced = new Set(steps.map((s) => s.name));
  const add = (layer: LayerJson, ins: string[]): string => {
    const name = nameOf(layer);
    if (MODEL_CLASSES.has(layer.class_name)) {
      const outs = flatten(layer, ins, steps);
      if (outs.length !== 1) throw new UnsupportedTopologyError(`the nested model ${name} has ${outs.length} outputs`);
      return outs[0]!;
    }
    if (IDENTITY.has(layer.class_name)) return ins[0]!;
    const why = unsupportedBecause(layer);
    if (why) throw new UnsupportedTopologyError(why);
    if (produced.has(name)) throw new UnsupportedTopologyError(`two layers are named ${name}`);
    produced.add(name);
    steps.push({ className: layer.class_name, name, config: layer.config, inputs: ins });
    return name;
  };

  if (model.class_name === 'Sequential' || layers.every((l) => l.inbound_nodes === undefined)) {
    if (inputs.length !== 1) throw new UnsupportedTopologyError('a sequential model is fed several inputs');
    return [layers.reduce((x, l) => (l.class_name === 'InputLayer' ? x : add(l, [x])), inputs[0]!)];
  }

  const refs = (v: unknown) => (Array.isArray(v) ? (v as unknown[][]) : []);
  const inputLayers = refs(model.config.input_layers);
  if (inputLayers.length !== inputs.length) throw new UnsupportedTopologyError(`${nameOf(model)} has ${inputLayers.length} inputs`);
  inputLayers.forEach((ref, i) => source.set(String(ref[0]), inputs[i]!));
  const resolve = (ref: unknown[]): string => {
    const from = source.get(String(ref[0]));
    if (from === undefined) throw new UnsupportedTopologyError(`${String(ref[0])} is read before it is computed`);
    if ((ref[2] ?? 0) !== 0) throw new UnsupportedTopologyError(`${String(ref[0])} has several outputs`);
    return from;
  };
  for (const layer of layers) {
    if (layer.class_name === 'InputLayer') {
      if (!source.has(nameOf(layer))) throw new UnsupportedTopologyError(`the input ${nameOf(layer)} is not fed`);
      continue;
    }
    const nodes = layer.inbound_nodes ?? [];
    if (nodes.length !== 1 || !Array.isArray(nodes[0])) throw new UnsupportedTopologyError(`${nameOf(layer)} is called ${nodes.length} times`);
    source.set(nameOf(layer), add(layer, (nodes[0] as unknown[][]).map(resolve)));
  }
  return refs(model.config.output_layers).map(resolve);
}
