/** Loading an ImageNet backbone from ../shared/backbones at any square input size, plus pooling. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fileLoader } from './io.ts';

export function backbonesRoot(flag?: string): string {
  return resolve(flag ?? process.env.PAWLENS_BACKBONES ?? resolve(import.meta.dirname, '../../../../shared/backbones'));
}

export function backboneDir(name: string, root: string): string {
  const dir = join(root, name);
  if (!existsSync(join(dir, 'model.json'))) throw new Error(`backbone not found: ${dir}/model.json`);
  return dir;
}

/**
 * The backbone's weights are all convolutional, so another input size only needs the InputLayer's
 * batch_input_shape changed before the graph is built.
 */
export async function loadBackbone(dir: string, size: number): Promise<tf.LayersModel> {
  return tf.loadLayersModel(
    fileLoader(dir, (topology) => {
      const config = topology.model_config?.config ?? topology.config;
      const input = config.layers.find((l: any) => l.class_name === 'InputLayer');
      if (!input) throw new Error(`${dir}: no InputLayer in model.json`);
      input.config.batch_input_shape = [null, size, size, 3];
    })
  );
}

export interface BackboneSplit {
  /** the last frozen layer: the input of the final pointwise conv */
  cut: string;
  /** the final 1x1 conv with its BatchNorm folded in: relu6(x @ kernel + bias) equals the backbone's output */
  kernel: Float32Array;
  bias: Float32Array;
  cIn: number;
  cOut: number;
}

/**
 * Splits a backbone that ends in 1x1 conv → BatchNorm → ReLU6 (MobileNet v1's conv_pw_12/13,
 * v2's Conv_1) into the frozen part and that last conv, which training fine-tunes.
 */
export function splitBackbone(backbone: tf.LayersModel): BackboneSplit {
  const layers = backbone.layers;
  const [conv, bn, relu] = layers.slice(-3);
  const k = conv?.getConfig() as { kernel_size?: number[]; kernelSize?: number[]; strides?: number[]; use_bias?: boolean; useBias?: boolean } | undefined;
  const kernelSize = k?.kernelSize ?? k?.kernel_size;
  if (!conv || conv.getClassName() !== 'Conv2D' || kernelSize?.join('x') !== '1x1' || bn?.getClassName() !== 'BatchNormalization' || relu?.getClassName() !== 'ReLU') {
    throw new Error(`backbone ${backbone.name} does not end in a 1x1 conv, BatchNorm and ReLU6`);
  }
  const cut = (conv.inboundNodes[0]!.inboundLayers[0] as { name: string }).name;
  const eps = (bn.getConfig() as { epsilon: number }).epsilon;
  return tf.tidy(() => {
    const [kernel, convBias] = conv.getWeights();
    const [gamma, beta, mean, variance] = bn.getWeights();
    const [, , cIn, cOut] = kernel!.shape as number[];
    const scale = tf.div(gamma!, tf.sqrt(tf.add(variance!, eps)));
    const folded = tf.mul(kernel!.reshape([cIn!, cOut!]), scale);
    const shift = tf.sub(beta!, tf.mul(tf.sub(mean!, convBias ?? tf.zeros([cOut!])), scale));
    return { cut, kernel: folded.dataSync() as Float32Array, bias: shift.dataSync() as Float32Array, cIn: cIn!, cOut: cOut! };
  });
}
