/**
 * A loaded model on a TensorFlow.js backend: build from verified files, warm up, predict, dispose.
 * Every intermediate tensor is released (tf.tidy plus explicit disposal of the async read-back),
 * so the tensor count stays flat however many photos are classified.
 */
import type { ModelMetadata } from '../../../../edge/src/contract';
import type * as TF from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { ModelFiles } from '../model-store/store';
import type { BackendName, Tf } from './backends';
import { optimizeForInference } from './inference-model';
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
  const weightData = new Uint8Array(shards.reduce((n, s) => n + s.byteLength, 0));
  let offset = 0;
  for (const s of shards) {
    weightData.set(s, offset);
    offset += s.byteLength;
  }
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? null,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: weightData.buffer
  };
}

/**
 * The artifacts to build the model from for inference: BatchNorms and ReLUs after convolutions folded
 * into them, convolutions as fused kernels (see inference-model.ts), weights as float32. Unchanged when
 * there is nothing to rewrite.
 */
export function inferenceArtifacts(artifacts: TF.io.ModelArtifacts): TF.io.ModelArtifacts {
  if (!(artifacts.weightData instanceof ArrayBuffer) || !artifacts.weightSpecs) return artifacts;
  const weights = decodeFloatWeights(artifacts.weightData, artifacts.weightSpecs);
  if (!weights) return artifacts;
  const rewrite = optimizeForInference(artifacts.modelTopology, weights);
  if (rewrite.fusedConvolutions === 0) return artifacts;
  const all = [...rewrite.weights];
  const data = new Float32Array(all.reduce((n, [, w]) => n + w.data.length, 0));
  let offset = 0;
  for (const [, w] of all) {
    data.set(w.data, offset);
    offset += w.data.length;
  }
  return {
    ...artifacts,
    modelTopology: rewrite.topology as object,
    weightSpecs: all.map(([name, w]) => ({ name, shape: w.shape, dtype: 'float32' as const })),
    weightData: data.buffer
  };
}

/** A model ready to build on any backend: its metadata and its artifacts rewritten for inference. */
export interface BuildableModel {
  metadata: ModelMetadata;
  artifacts: TF.io.ModelArtifacts;
}

/** Reads and rewrites a model's files once; a backend change or a timing run builds from the result. */
export function buildableModel(files: ModelFiles): BuildableModel {
  return { metadata: readMetadata(files), artifacts: inferenceArtifacts(toArtifacts(files)) };
}

export class Classifier {
  private constructor(
    private readonly tf: Tf,
    private readonly model: LayersModel,
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

  static async build(tf: Tf, { metadata, artifacts }: BuildableModel): Promise<Classifier> {
    const t0 = performance.now();
    const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
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
