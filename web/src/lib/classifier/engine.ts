/**
 * The classifier worker's TensorFlow.js side: the models it holds, the backend they run on, and one
 * tfjs operation at a time (a load, a prediction, a backend change never interleave). Backend
 * fallback lives here: a lost WebGL context moves every model to the next backend that works; on a
 * real GPU, WebGL is timed against wasm once the first model answers, and the faster one is kept.
 */
import type { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';
import { backendOrder, fasterBackend, isBackend, raceWebGL, webglKind, type BackendName } from './backends';
import { buildableModel, Classifier, type BuildableModel } from './classifier';
import { modelInput, type AnyCanvas } from './image';
import type { Classification, LoadedModel, LoadRequest, Prepare, WorkerMessage, WorkerStats } from './protocol';
import { configureWasm, tf, useFirstWorkingBackend, wasmThreadCount, webglRenderer } from './tf';

interface Held {
  model: BuildableModel;
  classifier: Classifier;
}

/** Timed predictions per backend in the comparison (after each one's warm-up). */
const RACE_RUNS = 3;
/** The comparison waits this long after the first model is ready, so it does not delay the first answers. */
const RACE_DELAY_MS = 3000;

export class Engine {
  private readonly models = new Map<number, Held>();
  private activeId: number | null = null;
  private waiting: (() => void)[] = [];
  /** Backends still to try, the one in use first; decided at the first load. */
  private order: BackendName[] | null = null;
  /** `?backend=`, from the prepare call that precedes every load */
  private forced: BackendName | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private raceConsidered = false;
  private readonly watched = new WeakSet<object>();
  /** Threads the wasm backend runs on, once it started. */
  private threads: number | null = null;

  /** `remember`: keeps the backend chosen for a model version, for the next start. */
  constructor(
    private readonly emit: (m: WorkerMessage) => void,
    private readonly remember: (version: string, backend: BackendName) => void
  ) {}

  /** Runs `fn` after every tfjs operation queued before it. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Starts a backend before any model is there (TensorFlow.js and the wasm binary load while the
   * model's files are read and verified): `forced` (`?backend=`) if given, else wasm; `threads`
   * (`?threads=`) forces the wasm thread count.
   */
  prepare({ forced, threads }: Prepare): Promise<void> {
    return this.exclusive(async () => {
      if (this.order) return;
      this.forced = isBackend(forced) ? forced : null;
      configureWasm(threads);
      await this.use(backendOrder(forced, null));
    });
  }

  load({ modelId, files, remembered }: LoadRequest): Promise<LoadedModel> {
    return this.exclusive(async () => {
      if (this.models.size === 0 && remembered && !this.forced && remembered !== tf.getBackend()) {
        // This device chose another backend for this model version before.
        await this.use(backendOrder(null, remembered));
      }
      const model = buildableModel(files);
      const classifier = await Classifier.build(tf, model);
      this.models.set(modelId, { model, classifier });
      this.wakeWaiting();
      // Only now look at the GPU (creating a WebGL context is slow where it is emulated).
      if (!this.raceConsidered) {
        this.raceConsidered = true;
        if (raceWebGL(this.forced, remembered, () => webglKind(webglRenderer()))) setTimeout(() => void this.race(modelId), RACE_DELAY_MS);
      }
      const { metadata, backend, loadMs, warmupMs } = classifier;
      return { modelId, metadata, backend, loadMs, warmupMs };
    });
  }

  /** Whether a model is active and loaded (a restarted worker is told which one is active before it has read it again). */
  hasActiveModel(): boolean {
    return this.activeId !== null && this.models.has(this.activeId);
  }

  activate(modelId: number): void {
    this.activeId = modelId;
    this.wakeWaiting();
  }

  private wakeWaiting(): void {
    for (const wake of this.waiting.splice(0)) wake();
  }

  dispose(modelId: number): Promise<void> {
    return this.exclusive(async () => {
      this.models.get(modelId)?.classifier.dispose();
      this.models.delete(modelId);
    });
  }

  /**
   * Classifies a decoded photo, a camera frame or ready pixels with the active model (waiting for
   * one). `cropped`: the image is already the model's crop (camera frames are cut on the page).
   */
  async classify(source: AnyCanvas | ImageBitmap | Float32Array, cropped = false): Promise<Classification> {
    while (!this.hasActiveModel()) await new Promise<void>((wake) => this.waiting.push(wake));
    return this.exclusive(async () => {
      const modelId = this.activeId!;
      const held = this.models.get(modelId);
      if (!held) throw new Error('The classifier has no model loaded.');
      const { inputSize, normalization, crop } = held.classifier.metadata;
      const input = source instanceof Float32Array ? source : modelInput(source, inputSize, normalization, cropped ? 1 : crop);
      return { modelId, prediction: await held.classifier.predict(input) };
    });
  }

  stats(): WorkerStats {
    return { numTensors: tf.memory().numTensors, backend: this.order ? tf.getBackend() : null, wasmThreads: this.threads, crossOriginIsolated: self.crossOriginIsolated };
  }

  loseWebGL(): void {
    (tf.findBackend('webgl') as MathBackendWebGL | null)?.gpgpu.gl.getExtension('WEBGL_lose_context')?.loseContext();
  }

  /** Activates the first backend of `order` that works (see tf.ts); the ones after it stay fallbacks. */
  private async use(order: BackendName[]): Promise<BackendName> {
    const backend = await useFirstWorkingBackend(order);
    this.order = order.slice(order.indexOf(backend));
    if (backend === 'wasm') this.threads = wasmThreadCount();
    this.watch(backend);
    return backend;
  }

  /** On a lost WebGL context, every model moves to the next backend that works. */
  private watch(backend: BackendName): void {
    if (backend !== 'webgl') return;
    const canvas = (tf.backend() as MathBackendWebGL).gpgpu.gl.canvas;
    if (this.watched.has(canvas)) return;
    this.watched.add(canvas);
    canvas.addEventListener('webglcontextlost', () => void this.fallBackFrom('webgl'), { once: true });
  }

  private fallBackFrom(lost: BackendName): Promise<void> {
    return this.exclusive(async () => {
      const backend = await this.use((this.order ?? []).filter((b) => b !== lost));
      await this.rebuildAll();
      this.emit({ event: 'backend', backend, reason: `The ${lost} backend stopped working.` });
    });
  }

  /** Builds every held model again on the backend now active (their old tensors are dropped). */
  private async rebuildAll(): Promise<void> {
    for (const [id, held] of this.models) {
      try {
        held.classifier.dispose();
      } catch {
        // its GPU resources went with the lost context
      }
      this.models.set(id, { model: held.model, classifier: await Classifier.build(tf, held.model) });
    }
  }

  /**
   * On a real GPU: after warm-up, time a few predictions on wasm and on WebGL and keep the faster
   * backend for every model, remembered per model version.
   */
  private race(modelId: number): Promise<void> {
    return this.exclusive(async () => {
      const held = this.models.get(modelId);
      if (!held || tf.getBackend() !== 'wasm') return;
      const [h, w] = held.classifier.metadata.inputSize;
      const input = Float32Array.from({ length: h * w * 3 }, (_, i) => ((i * 7919) % 255) / 127.5 - 1);
      const time = async (c: Classifier) => {
        const ms: number[] = [];
        for (let i = 0; i < RACE_RUNS; i++) ms.push((await c.predict(input)).latencyMs);
        return ms;
      };
      const wasmMs = await time(held.classifier);
      let gl: Classifier | undefined;
      let best: BackendName = 'wasm';
      try {
        await useFirstWorkingBackend(['webgl']);
        gl = await Classifier.build(tf, held.model);
        best = fasterBackend({ wasm: wasmMs, webgl: await time(gl) });
      } catch {
        // WebGL does not work here after all
      }
      gl?.dispose();
      await this.use(backendOrder(best, null));
      if (best === 'webgl') {
        await this.rebuildAll();
        this.emit({ event: 'backend', backend: 'webgl', reason: 'WebGL was faster on this device.' });
      }
      this.remember(held.classifier.metadata.version, best);
    });
  }
}
