/**
 * Inference-time rewrite of a layers-model's topology and weights, computing the same function (up to
 * float rounding) with far fewer passes over memory:
 *
 * 1. Every BatchNormalization that directly follows a convolution is folded into that convolution's
 *    kernel and bias and disappears. With x = conv(w) + b and BN's y = γ (x − μ) / √(σ² + ε) + β,
 *    per output channel c with s_c = γ_c / √(σ²_c + ε): y = conv(w · s) + (b − μ) · s + β.
 * 2. A ReLU (plain or capped at 6) that directly follows a convolution becomes the convolution's
 *    activation, which the graph runner (graph-model.ts) applies inside the convolution's fused kernel.
 *
 * On the wasm backend a MobileNet spends about a third of its predict time in BatchNorm kernels and a
 * tenth in bias adds and ReLUs; all of that goes. The result is still a plain Keras topology (tfjs-layers
 * runs it too). No tensors: JSON topology and plain arrays in, new ones out; the model files (and their
 * verified sha256) are untouched.
 */

import { isChannelAxis } from './layer-graph';

/** What a ReLU fused into a convolution computes. */
type FusedActivation = 'relu' | 'relu6';

export interface Weight {
  data: Float32Array;
  shape: number[];
}
/** Weights by their manifest name, `<layer>/<weight>` (e.g. `conv1/kernel`, `conv1_bn/gamma`). */
export type WeightMap = Map<string, Weight>;

interface LayerJson {
  class_name: string;
  name?: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown[];
}

export interface Rewrite {
  topology: unknown;
  weights: WeightMap;
  /** BatchNormalizations folded into convolutions. */
  foldedBatchNorms: number;
  /** Activation layers absorbed into convolutions. */
  fusedActivations: number;
}

const MODEL_CLASSES = new Set(['Model', 'Functional', 'Sequential']);
/** The kernel's weight name per convolution class. */
const KERNELS: Record<string, string> = { Conv2D: 'kernel', DepthwiseConv2D: 'depthwise_kernel' };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const layerName = (l: LayerJson) => String(l.name ?? l.config.name);

/**
 * The rewrite of a model for inference. The topology is copied; the weights' arrays are not: a
 * folded convolution's kernel is scaled in place, so `weights` belongs to the rewrite afterwards.
 */
export function optimizeForInference(topology: unknown, weights: WeightMap): Rewrite {
  const copy: unknown = structuredClone(topology);
  const rewrite: Rewrite = { topology: copy, weights: new Map(weights), foldedBatchNorms: 0, fusedActivations: 0 };
  const root = isRecord(copy) && isRecord(copy.model_config) ? copy.model_config : copy;
  if (isRecord(root)) rewriteModel(root as unknown as LayerJson, rewrite);
  return rewrite;
}

function rewriteModel(model: LayerJson, r: Rewrite): void {
  const layers = Array.isArray(model.config.layers) ? (model.config.layers as LayerJson[]) : null;
  if (!layers) return;
  for (const l of layers) if (MODEL_CLASSES.has(l.class_name)) rewriteModel(l, r);
  const sequential = model.class_name === 'Sequential' || layers.every((l) => l.inbound_nodes === undefined);
  /** Drops `layers[i]` after `source` took over its work (its readers now read `source`). */
  const absorb = (i: number, source: LayerJson) => {
    if (!sequential) renameReferences(model, layerName(layers[i]!), layerName(source));
    layers.splice(i, 1);
  };
  for (let i = layers.length - 1; i >= 0; i--) {
    const bn = layers[i]!;
    if (bn.class_name !== 'BatchNormalization') continue;
    const conv = sequential ? layers[i - 1] : soleSource(bn, layers, model);
    if (conv && foldBatchNorm(conv, bn, r.weights)) {
      absorb(i, conv);
      r.foldedBatchNorms++;
    }
  }
  for (let i = layers.length - 1; i >= 0; i--) {
    const act = layers[i]!;
    const activation = reluKind(act);
    if (!activation) continue;
    const conv = sequential ? layers[i - 1] : soleSource(act, layers, model);
    if (conv && KERNELS[conv.class_name] && (conv.config.activation ?? 'linear') === 'linear') {
      conv.config.activation = activation;
      absorb(i, conv);
      r.fusedActivations++;
    }
  }
}

/** What a layer computes when it is a plain ReLU (or ReLU capped at 6); null for anything else. */
function reluKind(layer: LayerJson): FusedActivation | null {
  const c = layer.config;
  if (layer.class_name === 'Activation') return c.activation === 'relu' || c.activation === 'relu6' ? c.activation : null;
  if (layer.class_name !== 'ReLU' || (c.negative_slope ?? 0) !== 0 || (c.threshold ?? 0) !== 0) return null;
  if (c.max_value === null || c.max_value === undefined) return 'relu';
  return c.max_value === 6 ? 'relu6' : null;
}

/** The layer feeding `layer` when it has one input, called once, from a layer nothing else reads. */
function soleSource(layer: LayerJson, layers: LayerJson[], model: LayerJson): LayerJson | undefined {
  const nodes = layer.inbound_nodes;
  if (!nodes || nodes.length !== 1 || !Array.isArray(nodes[0]) || nodes[0].length !== 1) return undefined;
  const ref = nodes[0][0] as unknown[];
  const src = layers.find((l) => layerName(l) === ref[0]);
  if (!src || src.inbound_nodes?.length !== 1) return undefined;
  return references(model, layerName(src)) === 1 ? src : undefined;
}

/** Calls `fn` on every reference to a layer output (`[name, node, tensor, …]`) in the model's wiring. */
function eachReference(model: LayerJson, fn: (ref: unknown[]) => void): void {
  const visit = (v: unknown): void => {
    if (!Array.isArray(v)) return;
    if (typeof v[0] === 'string' && typeof v[1] === 'number') fn(v);
    else v.forEach(visit);
  };
  for (const l of model.config.layers as LayerJson[]) visit(l.inbound_nodes);
  visit(model.config.output_layers);
}

function references(model: LayerJson, name: string): number {
  let n = 0;
  eachReference(model, (ref) => void (ref[0] === name && n++));
  return n;
}

function renameReferences(model: LayerJson, from: string, to: string): void {
  eachReference(model, (ref) => void (ref[0] === from && (ref[0] = to)));
}

/**
 * Multiplies each output channel of `kernel` (its fastest axis) by its scale, in place: a new array
 * would be megabytes of fresh memory, slow to touch on a cold start. Row by row: no division per
 * element; a function of its own, so that V8 optimises it after the first few kernels.
 */
function scaleChannels(kernel: Float32Array, scale: Float64Array): void {
  const channels = scale.length;
  for (let row = 0; row < kernel.length; row += channels) {
    for (let ch = 0; ch < channels; ch++) kernel[row + ch]! *= scale[ch]!;
  }
}

/** Rewrites `conv`'s weights to include `bn`; false (nothing changed) when the pair does not qualify. */
function foldBatchNorm(conv: LayerJson, bn: LayerJson, weights: WeightMap): boolean {
  const kernelName = KERNELS[conv.class_name];
  const c = conv.config;
  const b = bn.config;
  if (!kernelName || (c.activation ?? 'linear') !== 'linear' || (c.data_format ?? 'channels_last') !== 'channels_last') return false;
  if (!isChannelAxis(b.axis)) return false;
  const cn = layerName(conv);
  const bnName = layerName(bn);
  const kernel = weights.get(`${cn}/${kernelName}`);
  const mean = weights.get(`${bnName}/moving_mean`);
  const variance = weights.get(`${bnName}/moving_variance`);
  const gamma = b.scale === false ? undefined : weights.get(`${bnName}/gamma`);
  const beta = b.center === false ? undefined : weights.get(`${bnName}/beta`);
  const bias = c.use_bias ? weights.get(`${cn}/bias`) : undefined;
  if (!kernel || !mean || !variance || (b.scale !== false && !gamma) || (b.center !== false && !beta) || (c.use_bias && !bias)) return false;
  // Output channels: the last axis of a Conv2D kernel [h, w, in, out]; the last two of a depthwise
  // kernel [h, w, in, multiplier] (output channel = in · multiplier + m, row-major, i.e. the same index).
  const channels = conv.class_name === 'DepthwiseConv2D' ? kernel.shape.at(-2)! * kernel.shape.at(-1)! : kernel.shape.at(-1)!;
  if (mean.data.length !== channels) return false;
  const eps = typeof b.epsilon === 'number' ? b.epsilon : 1e-3;
  const scale = new Float64Array(channels);
  const newBias = new Float32Array(channels);
  for (let ch = 0; ch < channels; ch++) {
    scale[ch] = (gamma?.data[ch] ?? 1) / Math.sqrt(variance.data[ch]! + eps);
    newBias[ch] = ((bias?.data[ch] ?? 0) - mean.data[ch]!) * scale[ch]! + (beta?.data[ch] ?? 0);
  }
  scaleChannels(kernel.data, scale);
  weights.set(`${cn}/bias`, { data: newBias, shape: [channels] });
  for (const w of ['gamma', 'beta', 'moving_mean', 'moving_variance']) weights.delete(`${bnName}/${w}`);
  c.use_bias = true;
  return true;
}
