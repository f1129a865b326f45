/** Messages between the page and the classifier worker (structured-cloned; bitmaps are transferred). */
import type { ModelMetadata } from '../../../../edge/src/contract';
import type { Loaded, ModelFiles, ModelSource, ModelStoreDeps } from '../model-store/store';
import type { BackendName } from './backends';
import type { Prediction } from './classifier';

/** What to classify: a photo file (decoded in the worker), a camera frame (already cut to the model's crop on the page), or pixels made on the page. */
export type ImageInput =
  | { kind: 'blob'; blob: Blob; name: string }
  | { kind: 'bitmap'; bitmap: ImageBitmap }
  | { kind: 'pixels'; pixels: Float32Array };

/**
 * How the worker starts: from the page's URL `?backend=` and `?threads=` (tests, benchmarks), and the
 * model built into the app (a module only the page's bundle has).
 */
export interface Prepare {
  forced: string | null;
  threads: number | null;
  shipped: ModelStoreDeps['shipped'];
}

/** A model's verified files, to build on the engine as `modelId`. */
export interface LoadRequest {
  modelId: number;
  files: ModelFiles;
  /** The backend chosen for this model version earlier on this device. */
  remembered: BackendName | null;
}

/** A model version the worker loaded again after a restart (its files come from the cache, verified again). */
export interface RestoreRequest {
  modelId: number;
  source: ModelSource;
  /** The backend the previous worker ended up on. */
  remembered: BackendName | null;
}

export interface LoadedModel {
  modelId: number;
  metadata: ModelMetadata;
  backend: BackendName;
  loadMs: number;
  warmupMs: number;
}

/** A model the worker read through the model store and loaded, and which version it is. */
export type ModelLoad = Loaded<LoadedModel>;

export interface Classification {
  modelId: number;
  prediction: Prediction;
}

export interface WorkerStats {
  numTensors: number;
  backend: string | null;
  wasmThreads: number | null;
  crossOriginIsolated: boolean;
}

export interface Methods {
  /** Start TensorFlow.js and a backend before any model arrives. */
  prepare(req: Prepare): void;
  /** Loads the best model available (the model store's current one) as `modelId`. */
  current(req: { modelId: number }): ModelLoad;
  /** Moves to the version the API says is active, loaded as `modelId`; null when nothing changes. */
  update(req: { modelId: number; current: string | null }): ModelLoad | null;
  /** Loads a version a dead worker held. */
  restore(req: RestoreRequest): LoadedModel;
  /** Later classifications use this model; until one is active they wait. */
  activate(req: { modelId: number }): void;
  dispose(req: { modelId: number }): void;
  /** Classifies with the active model; a photo file reports its preview (a JPEG) first. */
  classify(req: { image: ImageInput }): Classification;
  stats(): WorkerStats;
  /** For tests: simulate a GPU reset. */
  loseWebGL(): void;
}
export type Method = keyof Methods;

export type Call = { [M in Method]: { call: number; method: M; args: Parameters<Methods[M]>[0] } }[Method];

export type WorkerMessage =
  | { reply: number; ok: true; value: unknown }
  | { reply: number; ok: false; error: { name: string; message: string } }
  /** A photo's preview, before its verdict. */
  | { progress: number; preview: Blob }
  /** The worker holds its lock (see client.ts) and says what it can do. */
  | { event: 'hello'; offscreenCanvas: boolean }
  /** The backend in use changed (a fallback, or the timed comparison chose another one). */
  | { event: 'backend'; backend: BackendName; reason: string };

export const LOCK_PREFIX = 'pawlens-classifier-';
