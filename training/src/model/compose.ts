/**
 * Builds the ONE exported layers-model from stock layers (nothing for the app to register):
 * image [N, h, w, 3] (normalised) → frozen backbone up to the cut → 1x1 conv with bias (the
 * trained pointwise conv, BatchNorm folded in) → ReLU6 → global average (and max) pooling
 * → (hidden ReLU layer) → dense softmax [N, classes] in LABELS order.
 */
import * as tf from '@tensorflow/tfjs';
import type { Top } from './top.ts';

export function composeModel(frozen: tf.LayersModel, top: Top, size: number): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 3], name: 'image' });
  const activations = frozen.apply(input) as tf.SymbolicTensor;
  const conv = tf.layers.conv2d({ filters: top.conv.cOut, kernelSize: 1, useBias: true, name: 'top_conv' });
  const z = conv.apply(activations) as tf.SymbolicTensor;
  tf.tidy(() => conv.setWeights([top.conv.kernel.reshape([1, 1, top.conv.cIn, top.conv.cOut]), top.conv.bias]));
  const relu = tf.layers.reLU({ maxValue: 6, name: 'top_relu' }).apply(z) as tf.SymbolicTensor;
  const avg = tf.layers.globalAveragePooling2d({ name: 'top_pool' }).apply(relu) as tf.SymbolicTensor;
  const pooled =
    top.pooling === 'avg'
      ? avg
      : (tf.layers.concatenate({ name: 'top_pool_concat' }).apply([avg, tf.layers.globalMaxPooling2d({ name: 'top_pool_max' }).apply(relu) as tf.SymbolicTensor]) as tf.SymbolicTensor);
  let h = pooled;
  top.head.layers.forEach((l, i) => {
    const last = i === top.head.layers.length - 1;
    const dense = tf.layers.dense({ units: l.bias.shape[0]!, activation: last ? 'softmax' : 'relu', name: last ? 'classifier' : `top_hidden${i}` });
    h = dense.apply(h) as tf.SymbolicTensor;
    dense.setWeights([l.kernel, l.bias]);
  });
  return tf.model({ inputs: input, outputs: h, name: 'pawlens' });
}
