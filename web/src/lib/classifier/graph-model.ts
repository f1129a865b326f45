/**
 * Runs a layer graph (layer-graph.ts) with plain tfjs-core ops: what tfjs-layers' `predict` computes
 * for these layers, without tfjs-layers. That library is a third of the worker's JavaScript, its
 * model building costs ~0.1 s on a cold start and its `predict` adds bookkeeping to every layer.
 * Convolutions and dense layers run as fused kernels (convolution or matMul, bias and activation in
 * one pass). Weights are read by their manifest names, `<layer>/<weight>`.
 */
import type * as Core from '@tensorflow/tfjs-core';
import type { WeightMap } from './inference-model';
import type { ActivationName, LayerGraph, Step } from './layer-graph';

type Tf = typeof Core;
type Tensor = Core.Tensor;
type Fused = NonNullable<Parameters<Tf['fused']['conv2d']>[0]['activation']>;
type Layer = (inputs: Tensor[]) => Tensor;
/** A step with its function. */
type Compiled = Step & { run: Layer };

/** Activations the fused kernels apply themselves; the others run after them. */
const FUSED: ReadonlySet<string> = new Set<Fused>(['linear', 'relu', 'relu6', 'elu', 'sigmoid']);

const pair = (v: unknown, fallback: number): [number, number] =>
  typeof v === 'number' ? [v, v] : Array.isArray(v) ? [Number(v[0] ?? fallback), Number(v[1] ?? v[0] ?? fallback)] : [fallback, fallback];

/** Keras' ZeroPadding2D `padding`: n, [height, width] or [[top, bottom], [left, right]]. */
function padding2d(p: unknown): [[number, number], [number, number]] {
  if (Array.isArray(p) && Array.isArray(p[0])) return [pair(p[0], 0), pair(p[1], 0)];
  const [h, w] = pair(p, 1);
  return [[h, h], [w, w]];
}

export class GraphModel {
  private constructor(
    private readonly tf: Tf,
    private readonly graph: LayerGraph,
    private readonly steps: Compiled[],
    private readonly weights: Tensor[]
  ) {}

  /** Makes the weights tensors on the active backend; throws when one the graph needs is missing. */
  static build(tf: Tf, graph: LayerGraph, weights: WeightMap): GraphModel {
    const made: Tensor[] = [];
    const weight = (step: Step, w: string): Tensor => {
      const found = weights.get(`${step.name}/${w}`);
      if (!found) throw new Error(`the model has no weight ${step.name}/${w}`);
      const t = tf.tensor(found.data, found.shape, 'float32');
      made.push(t);
      return t;
    };
    try {
      return new GraphModel(tf, graph, graph.steps.map((s) => ({ ...s, run: layerFor(tf, s, weight) })), made);
    } catch (e) {
      tf.dispose(made);
      throw e;
    }
  }

  /** The model's output for a batch `x` (the caller disposes it; every intermediate is released). */
  predict(x: Tensor): Tensor {
    return this.tf.tidy(() => {
      const values = new Map<string, Tensor>([[this.graph.inputName, x]]);
      for (const step of this.steps) values.set(step.name, step.run(step.inputs.map((i) => values.get(i)!)));
      return values.get(this.graph.output)!;
    });
  }

  dispose(): void {
    this.tf.dispose(this.weights);
  }
}

function activate(tf: Tf, x: Tensor, name: ActivationName): Tensor {
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'elu':
      return tf.elu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'softmax':
      return tf.softmax(x);
  }
}

/** The function one step computes (its weights made once, here). */
function layerFor(tf: Tf, step: Step, weight: (s: Step, w: string) => Tensor): Layer {
  const c = step.config;
  const activation = (c.activation ?? 'linear') as ActivationName;
  const fusedAs = (FUSED.has(activation) ? activation : 'linear') as Fused;
  /** The activation a fused kernel could not apply. */
  const after = (y: Tensor) => (FUSED.has(activation) ? y : activate(tf, y, activation));
  const bias = () => (c.use_bias === false ? undefined : (weight(step, 'bias') as Core.Tensor1D));
  const conv = { strides: pair(c.strides, 1), pad: (c.padding ?? 'valid') as 'same' | 'valid', dataFormat: 'NHWC' as const, dilations: pair(c.dilation_rate, 1) };
  switch (step.className) {
    case 'Conv2D': {
      const filter = weight(step, 'kernel') as Core.Tensor4D;
      const b = bias();
      return ([x]) => after(tf.fused.conv2d({ x: x as Core.Tensor4D, filter, bias: b, activation: fusedAs, ...conv }));
    }
    case 'DepthwiseConv2D': {
      const filter = weight(step, 'depthwise_kernel') as Core.Tensor4D;
      const b = bias();
      return ([x]) => after(tf.fused.depthwiseConv2d({ x: x as Core.Tensor4D, filter, bias: b, activation: fusedAs, ...conv }));
    }
    case 'Dense': {
      const kernel = weight(step, 'kernel') as Core.Tensor2D;
      const b = bias();
      return ([x]) => {
        // Dense acts on the last axis, whatever the rank.
        const flat = x!.rank === 2 ? (x as Core.Tensor2D) : x!.reshape([-1, x!.shape.at(-1)!]);
        const y = after(tf.fused.matMul({ a: flat as Core.Tensor2D, b: kernel, bias: b, activation: fusedAs }));
        return x!.rank === 2 ? y : y.reshape([...x!.shape.slice(0, -1), kernel.shape[1]]);
      };
    }
    case 'BatchNormalization': {
      const mean = weight(step, 'moving_mean');
      const variance = weight(step, 'moving_variance');
      const gamma = c.scale === false ? undefined : weight(step, 'gamma');
      const beta = c.center === false ? undefined : weight(step, 'beta');
      const eps = typeof c.epsilon === 'number' ? c.epsilon : 1e-3;
      return ([x]) => tf.batchNorm(x!, mean, variance, beta, gamma, eps);
    }
    case 'ReLU': {
      const max = c.max_value;
      if (max === undefined || max === null) return ([x]) => tf.relu(x!);
      return max === 6 ? ([x]) => tf.relu6(x!) : ([x]) => tf.clipByValue(x!, 0, Number(max));
    }
    case 'LeakyReLU': {
      const alpha = typeof c.alpha === 'number' ? c.alpha : 0.3;
      return ([x]) => tf.leakyRelu(x!, alpha);
    }
    case 'Activation':
      return ([x]) => activate(tf, x!, activation);
    case 'GlobalAveragePooling2D':
      return ([x]) => tf.mean(x!, [1, 2], c.keepdims === true);
    case 'GlobalMaxPooling2D':
      return ([x]) => tf.max(x!, [1, 2], c.keepdims === true);
    case 'Concatenate': {
      const axis = typeof c.axis === 'number' ? c.axis : -1;
      return (xs) => tf.concat(xs, axis);
    }
    case 'Add':
      return (xs) => tf.addN(xs);
    case 'Flatten':
      return ([x]) => x!.reshape([x!.shape[0]!, -1]);
    case 'ZeroPadding2D': {
      const [height, width] = padding2d(c.padding);
      return ([x]) => tf.pad(x!, [[0, 0], height, width, [0, 0]]);
    }
    default:
      throw new Error(`no op for a ${step.className} layer`);
  }
}
