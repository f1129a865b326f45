/**
 * A loaded model on a TensorFlow.js backend: build from verified files, warm up, predict, dispose.
 * Every intermediate tensor is released (tf.tidy plus explicit disposal of the async read-back),
 * so the tensor count stays flat however many photos are classified.
 */
import type { ModelMetadata } from '../../../../edge/src/contract';
import type * as TF from '@tensorflow/tfjs-core';
import type { ModelFiles } from '../model-store/store';
import type { BackendName, Tf } from './backends';
import { GraphModel } from './graph-model';
import { optimizeForInference, type Rewrite, type WeightMap } from './inference-model';
import { layerGraph, UnsupportedTopologyError, type LayerGraph } from './layer-graph';
import { readMetadata } from './metadata';
import { decodeFloatWeights } from './weights';
import { probabilitiesOf, verdictFor, type Probabilities, type VerdictResult } from './verdict';

export interface Prediction extends VerdictResult {
  probabilities: Probabilities;
  latencyMs: number;
  backend: BackendName;
}

interface ModelJson {
  modelTopology: object;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: { paths: string[]; weights: TF.io.WeightsManifestEntry[] }[];
}

/** In-memory tfjs artifacts from a layers-model's model.json and shards (quantized manifests included). */
export function toArtifacts(files: ModelFiles): TF.io.ModelArtifacts {
  const file = (path: string) => {
    const data = files.get(path);
    if (!data) throw new Error(`the model is missing ${path}`);
    return data;
  };
  const json = JSON.parse(new TextDecoder().decode(file('model.json'))) as ModelJson;
  const shards = json.weightsManifest.flatMap((g) => g.paths.map((p) => new Uint8Array(file(p))));
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? null,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: shards.length === 1 ? shards[0]!.buffer : concat(shards)
  };
}

/** The bytes of `parts` end to end, in a new buffer (a model of one shard, the usual case, needs none). */
function concat(parts: readonly Uint8Array[]): ArrayBuffer {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.byteLength;
  }
  return all.buffer;
}

/** tfjs-layers artifacts of a rewritten model (all weights float32). */
export function rewrittenArtifacts(artifacts: TF.io.ModelArtifacts, rewrite: Rewrite): TF.io.ModelArtifacts {
  const all = [...rewrite.weights];
  return {
    ...artifacts,
    modelTopology: rewrite.topology as object,
    weightSpecs: all.map(([name, w]) => ({ name, shape: w.shape, dtype: 'float32' as const })),
    weightData: concat(all.map(([, w]) => new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength)))
  };
}

/**
 * A model ready to build on any backend: its metadata, and either the layer graph and weights of its
 * inference rewrite (inference-model.ts), run with plain ops (graph-model.ts), or, for a model that
 * graph cannot express, tfjs-layers artifacts (rewritten where its weights are all floats).
 */
export type BuildableModel = { metadata: ModelMetadata } & ({ graph: LayerGraph; weights: WeightMap } | { artifacts: TF.io.ModelArtifacts });

/** Reads and rewrites a model's files once; a backend change or a timing run builds from the result. */
export function buildableModel(files: ModelFiles): BuildableModel {
  const metadata = readMetadata(files);
  const artifacts = toArtifacts(files);
  const weights = artifacts.weightData instanceof ArrayBuffer && artifacts.weightSpecs ? decodeFloatWeights(artifacts.weightData, artifacts.weightSpecs) : null;
  if (!weights) return { metadata, artifacts };
  const rewrite = optimizeForInference(artifacts.modelTopology, weights);
  try {
    return { metadata, graph: layerGraph(rewrite.topology), weights: rewrite.weights };
  } catch (e) {
    if (!(e instanceof UnsupportedTopologyError)) throw e;
    return { metadata, artifacts: rewrittenArtifacts(artifacts, rewrite) };
  }
}

/** What predicts: a graph model, or a tfjs-layers model for the rest. */
interface Runnable {
  predict(x: TF.Tensor): TF.Tensor;
  dispose(): void;
}

async function runnable(tf: Tf, model: BuildableModel): Promise<Runnable> {
  if ('graph' in model) return GraphModel.build(tf, model.graph, model.weights);
  const layers = await tf.loadLayersModel(tf.io.fromMemory(model.artifacts));
  return { predict: (x) => layers.predict(x) as TF.Tensor, dispose: () => layers.dispose() };
}

export class Classifier {
  private constructor(
    private readonly tf: Tf,
    private readonly model: Runnable,
    readonly metadata: ModelMetadata,
    readonly backend: BackendName,
    /** Time to build the model from its files, and to run the first (warm-up) prediction. */
    readonly loadMs: number,
    readonly warmupMs: number
  ) {}

  /** Builds the model (rewritten for inference) on the active backend and warms it up with one prediction on zeros. */
  static create(tf: Tf, files: ModelFiles): Promise<Classifier> {
    return Classifier.build(tf, buildableModel(files));
  }

  static async build(tf: Tf, buildable: BuildableModel): Promise<Classifier> {
    const { metadata } = buildable;
    const t0 = performance.now();
    const model = await runnable(tf, buildable);
    const t1 = performance.now();
    try {
      const [h, w] = metadata.inputSize;
      const out = tf.tidy(() => model.predict(tf.zeros([1, h, w, 3])) as TF.Tensor);
      const values = await out.data();
      out.dispose();
      probabilitiesOf(values, metadata.labels);
    } catch (e) {
      model.dispose();
      throw e;
    }
    const backend = tf.getBackend() as BackendName;
    return new Classifier(tf, model, metadata, backend, t1 - t0, performance.now() - t1);
  }

  /** Classifies one preprocessed image (RGB floats, inputSize, normalised as metadata says). */
  async predict(input: Float32Array): Promise<Prediction> {
    const [h, w] = this.metadata.inputSize;
    const t0 = performance.now();
    const out = this.tf.tidy(() => this.model.predict(this.tf.tensor4d(input, [1, h, w, 3])) as TF.Tensor);
    let values: Float32Array | Int32Array | Uint8Array;
    try {
      values = await out.data();
    } finally {
      out.dispose();
    }
    const latencyMs = performance.now() - t0;
    const probabilities = probabilitiesOf(values, this.metadata.labels);
    return { ...verdictFor(probabilities, this.metadata.unsureThreshold), probabilities, latencyMs, backend: this.backend };
  }

  dispose(): void {
    this.model.dispose();
  }
}
