/**
 * The app's state and the wiring between its parts: the classifier (lazy tfjs), the model store,
 * the outbox and the settings. Pages render this state and call these methods; the logic itself
 * lives in the plain modules under lib/.
 */
import type { Actual, ModelMetadata } from '../../../edge/src/contract';
import shipped from 'virtual:pawlens/shipped-model';
import type { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';
import { api } from './api/client';
import { Classifier, readMetadata, type Prediction } from './classifier/classifier';
import { modelInput } from './classifier/image';
import type { BackendName, Tf } from './classifier/backends';
import { backendOrder, hasSoftwareWebGL, loadTf, useFirstWorkingBackend } from './classifier/tf';
import { openPawlensDB, type PawlensDB } from './db';
import { feedbackItem } from './feedback';
import { ModelStore, type ModelFiles, type ModelSource } from './model-store/store';
import { MODEL_CACHE } from './model-store/urls';
import { Outbox, OUTBOX_CHANNEL, SYNC_TAG, type OutboxCounts } from './outbox/outbox';
import { loadSettings, saveSettings, type Settings } from './settings';
import { userAgentClass } from './user-agent';

export type Phase = 'idle' | 'loading' | 'ready' | 'error';

/** A prediction and the version of the model that made it. */
export type Classified = Prediction & { modelVersion: string };

export interface ModelInfo {
  version: string;
  origin: ModelSource['origin'];
  metadata: ModelMetadata;
}

interface SyncManagerLike {
  register(tag: string): Promise<void>;
}

class PawlensApp {
  phase = $state<Phase>('idle');
  /** What is happening or what went wrong, for people. */
  status = $state('');
  /** The active model: its version as published (which names it in feedback), origin and metadata. */
  model = $state.raw<ModelInfo | null>(null);
  backend = $state<BackendName | null>(null);
  pending = $state<OutboxCounts>({ feedback: 0, telemetry: 0 });
  settings = $state<Settings>({ sharing: true });
  online = $state(true);
  /** Set when a newer model was activated while the app ran. */
  modelNotice = $state('');

  private db: PawlensDB | undefined;
  private outbox: Outbox | undefined;
  private store: ModelStore | undefined;
  private tf: Tf | undefined;
  private classifier: Classifier | undefined;
  private files: ModelFiles | undefined;
  private source: ModelSource | undefined;
  private updating: Promise<void> | undefined;
  private backends: BackendName[] = [];
  private loadReported = false;
  private started: Promise<void> | undefined;
  private classifierReady: Promise<void> | undefined;

  /** Opens storage and starts syncing the outbox; idempotent. */
  start(): Promise<void> {
    this.started ??= this.init();
    return this.started;
  }

  private async init(): Promise<void> {
    this.online = navigator.onLine;
    const db = (this.db = await openPawlensDB());
    this.settings = await loadSettings(db);
    const channel = new BroadcastChannel(OUTBOX_CHANNEL);
    channel.onmessage = () => void this.refreshCounts();
    const outbox = (this.outbox = new Outbox({
      db,
      send: api.send,
      enabled: async () => this.settings.sharing,
      retryTimer: true,
      onChange: () => {
        channel.postMessage('changed');
        void this.refreshCounts();
      }
    }));
    this.store = new ModelStore({
      cache: await caches.open(MODEL_CACHE),
      kv: {
        get: (k) => db.get('kv', k),
        set: async (k, v) => void (await db.put('kv', v, k)),
        delete: (k) => db.delete('kv', k)
      },
      fetch: (...a) => fetch(...a),
      latest: api.latestModel,
      shipped,
      publishedUrl: api.modelFileUrl,
      origin: location.origin
    });
    addEventListener('online', () => {
      this.online = true;
      void outbox.retryNow();
      void this.checkForUpdate();
    });
    addEventListener('offline', () => (this.online = false));
    await this.refreshCounts();
    void outbox.flush();
  }

  private async refreshCounts(): Promise<void> {
    if (this.outbox) this.pending = await this.outbox.counts();
  }

  /** Loads tfjs, picks a backend, loads the current model and warms it up; idempotent. */
  ensureClassifier(): Promise<void> {
    this.classifierReady ??= this.loadClassifier().catch((e: unknown) => {
      this.phase = 'error';
      this.status = `The classifier could not start: ${message(e)}`;
      this.classifierReady = undefined;
    });
    return this.classifierReady;
  }

  private async loadClassifier(): Promise<void> {
    await this.start();
    this.phase = 'loading';
    this.status = 'Loading the classifier…';
    const tf = (this.tf = await loadTf());
    this.backends = backendOrder(new URLSearchParams(location.search).get('backend'), hasSoftwareWebGL);
    this.watchBackend(await useFirstWorkingBackend(tf, this.backends));
    const loaded = await this.store!.loadCurrent((files) => Classifier.create(tf, files));
    this.use(loaded.model, loaded.source, loaded.files);
    this.phase = 'ready';
    this.status = '';
    exposeTestHook(tf);
    void this.checkForUpdate();
  }

  private use(classifier: Classifier, source: ModelSource, files: ModelFiles): void {
    this.classifier?.dispose();
    this.classifier = classifier;
    this.files = files;
    this.source = source;
    this.loadReported = false;
    this.model = { version: source.version, origin: source.origin, metadata: classifier.metadata };
    this.backend = classifier.backend;
  }

  /** On a lost WebGL context, move to the next backend and rebuild the model there. */
  private watchBackend(name: BackendName): void {
    if (name !== 'webgl') return;
    const canvas = (this.tf!.backend() as MathBackendWebGL).gpgpu.gl.canvas;
    canvas.addEventListener('webglcontextlost', () => void this.fallBackFrom('webgl'), { once: true });
  }

  private async fallBackFrom(lost: BackendName): Promise<void> {
    const tf = this.tf!;
    this.phase = 'loading';
    this.status = `The ${lost} backend stopped working; switching…`;
    this.backends = this.backends.filter((b) => b !== lost);
    try {
      this.classifier?.dispose();
    } catch {
      // its GPU resources are already gone with the context
    }
    this.classifier = undefined;
    try {
      this.watchBackend(await useFirstWorkingBackend(tf, this.backends));
      this.use(await Classifier.create(tf, this.files!), this.source!, this.files!);
      this.phase = 'ready';
      this.status = '';
    } catch (e) {
      this.phase = 'error';
      this.status = `The classifier could not recover: ${message(e)}`;
    }
  }

  /** The current model's metadata without loading tfjs (for the model card). */
  async loadModelInfo(): Promise<ModelInfo | null> {
    await this.start();
    if (this.model) return this.model;
    for (const source of await this.store!.candidates()) {
      try {
        const files = await this.store!.fetchVerified({ ...source, files: source.files.filter((f) => f.path === 'metadata.json') });
        return { version: source.version, origin: source.origin, metadata: readMetadata(files) };
      } catch {
        // not available offline or damaged; try the next candidate
      }
    }
    return null;
  }

  /** Asks the API for a newer model and switches to it once it is verified and loaded (one check at a time). */
  checkForUpdate(): Promise<void> {
    this.updating ??= this.update().finally(() => (this.updating = undefined));
    return this.updating;
  }

  private async update(): Promise<void> {
    if (!this.store || !this.model || !navigator.onLine) return;
    try {
      const loaded = await this.store.update(this.model.version, (files) => Classifier.create(this.tf!, files));
      if (loaded) {
        this.use(loaded.model, loaded.source, loaded.files);
        this.modelNotice = `Now using model ${loaded.source.version}.`;
      }
    } catch (e) {
      console.warn('Model update failed; keeping the current model.', e);
    }
  }

  /** Classifies a decoded photo and records its telemetry. */
  async classify(photo: HTMLCanvasElement): Promise<Classified> {
    await this.ensureClassifier();
    const classifier = this.classifier;
    const model = this.model;
    if (!classifier || !model) throw new Error(this.status || 'The classifier is not ready.');
    const { inputSize, normalization, crop } = classifier.metadata;
    const raw = await classifier.predict(modelInput(photo, inputSize, normalization, crop));
    const prediction = { ...raw, latencyMs: round(raw.latencyMs) };
    if (this.settings.sharing) {
      const first = !this.loadReported;
      this.loadReported = true;
      await this.enqueue('telemetry', {
        id: crypto.randomUUID(),
        modelVersion: model.version,
        backend: prediction.backend,
        latencyMs: prediction.latencyMs,
        ...(first ? { loadMs: round(classifier.loadMs), warmupMs: round(classifier.warmupMs) } : {}),
        userAgentClass: userAgentClass(navigator.userAgent),
        createdAt: new Date().toISOString()
      });
    }
    return { ...prediction, modelVersion: model.version };
  }

  /** Stores what the person says the photo shows; it is sent now or whenever the device is online. */
  async feedback(prediction: Classified, actual: Actual): Promise<void> {
    await this.enqueue('feedback', feedbackItem(prediction, actual, crypto.randomUUID(), new Date().toISOString()));
  }

  private async enqueue(...args: Parameters<Outbox['add']>): Promise<void> {
    await this.start();
    await this.outbox!.add(...args);
    void this.outbox!.flush();
    // Where the browser has Background Sync, the service worker sends it even after the tab closes.
    const reg = await navigator.serviceWorker?.getRegistration();
    await (reg as (ServiceWorkerRegistration & { sync?: SyncManagerLike }) | undefined)?.sync?.register(SYNC_TAG).catch(() => undefined);
  }

  async setSharing(sharing: boolean): Promise<void> {
    await this.start();
    // Save a plain object: IndexedDB cannot clone the reactive proxy that `this.settings` is.
    const next: Settings = { ...this.settings, sharing };
    await saveSettings(this.db!, next);
    this.settings = next;
    if (sharing) void this.outbox!.retryNow();
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** For the browser tests: the tensor count (leak check) and a way to simulate a GPU reset. */
function exposeTestHook(tf: Tf): void {
  (globalThis as { __pawlens?: unknown }).__pawlens = {
    numTensors: () => tf.memory().numTensors,
    loseWebGLContext: () => (tf.findBackend('webgl') as MathBackendWebGL | null)?.gpgpu.gl.getExtension('WEBGL_lose_context')?.loseContext()
  };
}

export const app = new PawlensApp();
