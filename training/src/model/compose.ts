/**
 * Builds the ONE exported layers-model: image [N, h, w, 3] (normalised) → backbone trunk(s) →
 * global average pooling → (concatenated) → head → softmax [N, 2]. With test-time flip the pooled
 * features of the image and of its mirror image are averaged inside the model, so the app just
 * calls predict.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Horizontal mirror from stock layers (no custom layer for the app to register): move width last,
 * multiply by a fixed anti-diagonal permutation matrix, move it back.
 */
function mirror(x: tf.SymbolicTensor, width: number): tf.SymbolicTensor {
  const toWidthLast = tf.layers.permute({ dims: [1, 3, 2], name: 'mirror_in' }).apply(x) as tf.SymbolicTensor;
  const dense = tf.layers.dense({ units: width, useBias: false, trainable: false, name: 'mirror_matrix' });
  const reversed = dense.apply(toWidthLast) as tf.SymbolicTensor;
  const perm = tf.tidy(() => tf.reverse(tf.eye(width), 1));
  dense.setWeights([perm]);
  perm.dispose();
  return tf.layers.permute({ dims: [1, 3, 2], name: 'mirror_out' }).apply(reversed) as tf.SymbolicTensor;
}

export function composeModel(trunks: tf.LayersModel[], head: tf.LayersModel, size: number, tta: boolean): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 3], name: 'image' });
  const views = tta ? [input, mirror(input, size)] : [input];
  const pooledPerView = views.map((v, vi) =>
    trunks.map((t) => tf.layers.globalAveragePooling2d({ name: `${t.name}_gap${vi}` }).apply(t.apply(v) as tf.SymbolicTensor) as tf.SymbolicTensor)
  );
  const joined = pooledPerView.map((pooled, vi) =>
    pooled.length === 1 ? pooled[0]! : (tf.layers.concatenate({ name: `features_concat${vi}` }).apply(pooled) as tf.SymbolicTensor)
  );
  const features = joined.length === 1 ? joined[0]! : (tf.layers.average({ name: 'tta_average' }).apply(joined) as tf.SymbolicTensor);
  // Fresh copies of the head's dense layers (dropout is a no-op at inference and is left out).
  let probs = features;
  for (const layer of head.layers) {
    if (layer.getClassName() !== 'Dense') continue;
    const cfg = layer.getConfig() as { units: number; activation: 'relu' | 'softmax' };
    const copy = tf.layers.dense({ units: cfg.units, activation: cfg.activation, name: layer.name === 'head_dense' ? 'classifier' : layer.name });
    probs = copy.apply(probs) as tf.SymbolicTensor;
    copy.setWeights(layer.getWeights());
  }
  return tf.model({ inputs: input, outputs: probs, name: 'pawlens' });
}
