/**
 * Convolution layers that run as one fused kernel: convolution, bias and activation (relu or relu6)
 * in a single pass over memory, where tfjs-layers' own Conv2D fuses only relu and its DepthwiseConv2D
 * nothing (a depthwise layer with bias and relu6 is three passes there). Used by the inference rewrite
 * of a model (inference-model.ts); the weights keep the names of the layers they replace.
 */
import { fused, serialization, tidy, type Tensor, type Tensor1D, type Tensor4D } from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable } from '@tensorflow/tfjs-layers';

export type FusedActivation = 'linear' | 'relu' | 'relu6';
type Shape = (number | null)[];

/** The constructor's config: the replaced layer's Keras config (camelCased on loading) plus its activation. */
interface FusedConvArgs {
  name: string;
  trainable?: boolean;
  batchInputShape?: Shape;
  kernelSize: number[];
  strides?: number[];
  padding?: 'same' | 'valid';
  dilationRate?: number | number[];
  useBias?: boolean;
  activation?: FusedActivation;
  /** Conv2D only. */
  filters?: number;
  /** DepthwiseConv2D only. */
  depthMultiplier?: number;
}

const pair = (v: number | number[] | undefined, fallback: number): [number, number] =>
  v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : [v[0] ?? fallback, v[1] ?? v[0] ?? fallback];

/** Spatial output size of a convolution along one axis (Keras' conv_output_length). */
export function convOutputLength(length: number | null, kernel: number, padding: 'same' | 'valid', stride: number, dilation: number): number | null {
  if (length === null) return null;
  const span = (kernel - 1) * dilation + 1;
  return Math.ceil((padding === 'same' ? length : length - span + 1) / stride);
}

abstract class FusedConv extends layers.Layer {
  protected readonly args: FusedConvArgs;
  protected readonly kernelSize: [number, number];
  protected readonly strideHW: [number, number];
  protected readonly dilationHW: [number, number];
  protected readonly pad: 'same' | 'valid';
  protected readonly useBias: boolean;
  protected readonly activationName: FusedActivation;
  protected kernel: LayerVariable | null = null;
  protected bias: LayerVariable | null = null;

  constructor(args: FusedConvArgs) {
    super({ name: args.name, trainable: args.trainable, batchInputShape: args.batchInputShape ?? undefined });
    this.args = args;
    this.kernelSize = pair(args.kernelSize, 1);
    this.strideHW = pair(args.strides, 1);
    this.dilationHW = pair(args.dilationRate, 1);
    this.pad = args.padding ?? 'valid';
    this.useBias = args.useBias ?? true;
    this.activationName = args.activation ?? 'linear';
  }

  protected abstract outputChannels(inputChannels: number): number;
  protected abstract kernelShape(inputChannels: number): number[];
  protected abstract kernelName(): string;
  protected abstract run(x: Tensor4D, filter: Tensor4D, bias: Tensor1D | undefined): Tensor;

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const channels = shape[3]!;
    this.kernel = this.addWeight(this.kernelName(), this.kernelShape(channels), 'float32', initializers.zeros());
    if (this.useBias) this.bias = this.addWeight('bias', [this.outputChannels(channels)], 'float32', initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, h, w, c] = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [
      n ?? null,
      convOutputLength(h ?? null, this.kernelSize[0], this.pad, this.strideHW[0], this.dilationHW[0]),
      convOutputLength(w ?? null, this.kernelSize[1], this.pad, this.strideHW[1], this.dilationHW[1]),
      this.outputChannels(c!)
    ];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as Tensor4D;
      return this.run(x, this.kernel!.read() as Tensor4D, this.bias?.read() as Tensor1D | undefined);
    });
  }

  override getConfig(): serialization.ConfigDict {
    const { name: _name, trainable: _trainable, batchInputShape: _shape, ...own } = this.args;
    return { ...super.getConfig(), ...(own as serialization.ConfigDict) };
  }
}

export class FusedConv2D extends FusedConv {
  static readonly className = 'PawlensFusedConv2D';
  protected outputChannels(): number {
    return this.args.filters!;
  }
  protected kernelShape(inputChannels: number): number[] {
    return [...this.kernelSize, inputChannels, this.args.filters!];
  }
  protected kernelName(): string {
    return 'kernel';
  }
  protected run(x: Tensor4D, filter: Tensor4D, bias: Tensor1D | undefined): Tensor {
    return fused.conv2d({ x, filter, strides: this.strideHW, pad: this.pad, dataFormat: 'NHWC', dilations: this.dilationHW, bias, activation: this.activationName });
  }
}

export class FusedDepthwiseConv2D extends FusedConv {
  static readonly className = 'PawlensFusedDepthwiseConv2D';
  protected outputChannels(inputChannels: number): number {
    return inputChannels * (this.args.depthMultiplier ?? 1);
  }
  protected kernelShape(inputChannels: number): number[] {
    return [...this.kernelSize, inputChannels, this.args.depthMultiplier ?? 1];
  }
  protected kernelName(): string {
    return 'depthwise_kernel';
  }
  protected run(x: Tensor4D, filter: Tensor4D, bias: Tensor1D | undefined): Tensor {
    return fused.depthwiseConv2d({ x, filter, strides: this.strideHW, pad: this.pad, dataFormat: 'NHWC', dilations: this.dilationHW, bias, activation: this.activationName });
  }
}

serialization.registerClass(FusedConv2D);
serialization.registerClass(FusedDepthwiseConv2D);
