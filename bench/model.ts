/**
 * `npm run bench:model`: one JSON object with the shipped model's speed and accuracy on this machine.
 *   --model DIR (default model/)  --data DIR (default ../shared/datasets/catsdogs)  --split test  --limit N
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type NodeBackend } from '../training/src/backend.ts';
import { dataRoot, scanDataset } from '../training/src/data/scan.ts';
import { readMetadata } from '../training/src/metadata.ts';
import { computeMetrics } from '../training/src/metrics.ts';
import { loadModel } from '../training/src/model/io.ts';
import { decodeAll, predictPixels } from '../training/src/model/predict.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'model' },
    data: { type: 'string' },
    split: { type: 'string', default: 'test' },
    limit: { type: 'string' },
    backend: { type: 'string' }
  }
});

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number) => Math.round(x * 100) / 100;

async function timePredict(model: tf.LayersModel, batch: number, size: number, reps: number): Promise<number> {
  const x = tf.randomUniform([batch, size, size, 3], -1, 1);
  const times: number[] = [];
  for (let i = 0; i < reps + 1; i++) {
    const t0 = performance.now();
    const y = model.predict(x) as tf.Tensor;
    await y.data();
    y.dispose();
    if (i > 0) times.push((performance.now() - t0) / batch); // first call is warm-up
  }
  x.dispose();
  return median(times);
}

const backend = await initBackend({ prefer: values.backend as NodeBackend | undefined, quiet: true });
const dir = resolve(values.model!);
const meta = readMetadata(dir);
const size = meta.inputSize[0];
const model = await loadModel(dir);
// The backbone part of the exported model ends at its first global average pooling layer.
const gap = model.layers.find((l) => l.getClassName() === 'GlobalAveragePooling2D');
if (!gap) throw new Error('model has no GlobalAveragePooling2D layer');
const extractor = tf.model({ inputs: model.inputs, outputs: gap.output as tf.SymbolicTensor });

const scan = scanDataset(dataRoot(values.data), { valFraction: 0, testFraction: 0 });
let items = scan.layout === 'splits' ? scan.items.filter((i) => i.split === values.split) : scan.items;
if (values.limit) items = items.slice(0, Number(values.limit));
const t0 = performance.now();
const decoded = await decodeAll(items.map((i) => i.path), size, 'decode');
const decodeMs = (performance.now() - t0) / items.length;
const { pDog, predictMs } = await predictPixels(model, decoded.pixels, size, meta.normalization, 32, 'predict');
const ok = items.map((_, i) => i).filter((i) => pDog[i] !== null);
const metrics = computeMetrics(
  ok.map((i) => pDog[i]!),
  ok.map((i) => items[i]!.label)
);

const result = {
  backend,
  model: { version: meta.version, inputSize: meta.inputSize, bytes: meta.files.reduce((a, f) => a + f.bytes, 0) },
  decodeMsPerImage: round(decodeMs),
  featureExtractionMsPerImage: round(await timePredict(extractor, 32, size, 3)),
  predictMsPerImageBatch1: round(await timePredict(model, 1, size, 10)),
  predictMsPerImageBatch32: round(await timePredict(model, 32, size, 3)),
  evalPredictMsPerImage: round(predictMs / Math.max(1, ok.length)),
  testAccuracy: metrics.accuracy,
  n: metrics.n,
  data: `${scan.root}${scan.layout === 'splits' ? `/${values.split}` : ''}`
};
model.dispose();
console.log(JSON.stringify(result));
