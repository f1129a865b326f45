/**
 * Real models made from the shipped three-class one by rewriting the columns of its final softmax
 * Dense layer (the network is loaded in Node and saved again; each weight keeps the storage type, i.e.
 * quantization, it had):
 * - an old-style two-class model, for the "an older model still works" browser test: the first two
 *   outputs (cat, dog) only. Softmax over the cat and dog logits alone is what a cat/dog model with
 *   these weights computes, so it is a real model, not a stand-in;
 * - a deliberately worse model, for the publish gate: cat and dog outputs swapped;
 * and, for a candidate that passes the gate, the same model under another version (files copied).
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ModelMetadata } from '../../edge/src/contract.ts';
import { loadModel, modelArtifacts, readModelJson, writeModel } from '../../training/src/model/io.ts';
import type { WeightDtype, WeightSpec } from '../../training/src/model/quantize.ts';

/** The entries `columns` (in that order) along the last axis of a row-major array whose last axis has `last` entries. */
export function columnsOfLastAxis(values: Float32Array, last: number, columns: readonly number[]): Float32Array<ArrayBuffer> {
  const rows = values.length / last;
  const out = new Float32Array(rows * columns.length);
  for (let r = 0; r < rows; r++) columns.forEach((c, k) => (out[r * columns.length + k] = values[r * last + c]!));
  return out;
}

interface TopologyLayer {
  name: string;
  config: { units?: number };
}

/** Writes the two-class model (model.json, shards, metadata.json with labels [cat, dog]) to `outDir`. */
export function writeTwoClassModel(srcDir: string, outDir: string, version: string): Promise<void> {
  // Not measured for this test model: only the cat/dog accuracy of the model it was cut from.
  return writeHeadVariant(srcDir, outDir, version, [0, 1], (source) => ({ labels: ['cat', 'dog'], metrics: { accuracy: source.metrics.accuracy } }));
}

/** Writes the shipped model with its cat and dog outputs swapped: it calls every cat a dog and every dog a cat. */
export function writeSwappedModel(srcDir: string, outDir: string, version: string): Promise<void> {
  return writeHeadVariant(srcDir, outDir, version, [1, 0, 2], () => ({}));
}

/** The model in `srcDir`, unchanged but for its version, in `outDir` (a gate compares it equal to the original). */
export function writeRenamedModel(srcDir: string, outDir: string, version: string): void {
  cpSync(srcDir, outDir, { recursive: true });
  const metadata = ModelMetadata.parse(JSON.parse(readFileSync(join(srcDir, 'metadata.json'), 'utf8')));
  writeFileSync(join(outDir, 'metadata.json'), JSON.stringify({ ...metadata, version }, null, 2));
}

/** The model in `srcDir` with the output columns `columns` of its three-unit softmax head, as `version`, in `outDir`. */
async function writeHeadVariant(
  srcDir: string,
  outDir: string,
  version: string,
  columns: readonly number[],
  metadataOf: (source: ModelMetadata) => Partial<ModelMetadata>
): Promise<void> {
  const source = ModelMetadata.parse(JSON.parse(readFileSync(join(srcDir, 'metadata.json'), 'utf8')));
  if (source.labels.length !== 3) throw new Error(`${srcDir} is not a three-class model (labels ${source.labels.join(', ')})`);
  const model = await loadModel(srcDir);
  let artifacts: tf.io.ModelArtifacts;
  let head: string;
  try {
    const out = model.outputs.length === 1 ? model.outputs[0]!.sourceLayer : null;
    const config = out?.getConfig();
    if (!out || out.getClassName() !== 'Dense' || config?.activation !== 'softmax' || config.units !== 3) {
      throw new Error(`${srcDir}: the model's output is not a three-unit softmax Dense layer`);
    }
    head = out.name;
    artifacts = await modelArtifacts(model);
  } finally {
    model.dispose();
  }

  const layers = (artifacts.modelTopology as { config: { layers: TopologyLayer[] } }).config.layers;
  layers.find((l) => l.name === head)!.config.units = columns.length;

  // Saved weights are float32, one after another in spec order.
  const data = new Float32Array(tf.io.concatenateArrayBuffers([artifacts.weightData as ArrayBuffer].flat()));
  const specs: WeightSpec[] = [];
  const parts: Float32Array[] = [];
  let offset = 0;
  for (const spec of artifacts.weightSpecs as WeightSpec[]) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    let values: Float32Array = data.subarray(offset, offset + size);
    offset += size;
    if (spec.name === `${head}/kernel` || spec.name === `${head}/bias`) {
      values = columnsOfLastAxis(values, 3, columns);
      spec.shape = [...spec.shape.slice(0, -1), columns.length];
    }
    specs.push(spec);
    parts.push(values);
  }
  const weights = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (weights.set(p, at), at + p.length), 0);

  const stored = new Map(readModelJson(srcDir).weightsManifest.flatMap((g) => g.weights.map((w) => [w.name, w.quantization?.dtype])));
  const policy = (s: WeightSpec): WeightDtype => stored.get(s.name) ?? 'float32';
  const files = writeModel(outDir, { ...artifacts, weightSpecs: specs, weightData: weights.buffer }, policy);
  const metadata: ModelMetadata = { ...source, version, ...metadataOf(source), files };
  writeFileSync(join(outDir, 'metadata.json'), JSON.stringify(metadata, null, 2));
}
