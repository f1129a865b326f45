/**
 * The app's state and the wiring between its parts: the classifier (a worker that owns TensorFlow.js
 * and the model store, started when the home page mounts or a photo comes), the outbox and the settings.
 * Pages render this state and call these methods; the logic itself lives in the plain modules under lib/.
 */
import type { Actual, ModelMetadata } from '../../../edge/src/contract';
import shipped from 'virtual:pawlens/shipped-model';
import { api, loadSchemas } from './api/api';
import type { Prediction } from './classifier/classifier';
import type { BackendName } from './classifier/backends';
import { ClassifierClient } from './classifier/client';
import type { LoadedModel } from './classifier/protocol';
import { decodePhoto, encodePreview, modelInput } from './classifier/image';
import type { ImageInput } from './classifier/protocol';
import { openPawlensDB, type PawlensDB, type PhotoCopy } from './db';
import { feedbackItem } from './feedback';
import { browserModelStore } from './model-store/browser';
import type { ModelSource, ModelStore } from './model-store/store';
import { Outbox, OUTBOX_CHANNEL, SYNC_TAG, type OutboxCounts } from './outbox/outbox';
import { photoCopy } from './photo-copy';
import { DEFAULT_SETTINGS, loadSettings, saveSettings, type Settings } from './settings';
import { userAgentClass } from './user-agent';

export type Phase = 'idle' | 'loading' | 'ready' | 'error';

/** A prediction and the version of the model that made it. */
export type Classified = Prediction & { modelVersion: string };

export interface ModelInfo {
  version: string;
  origin: ModelSource['origin'];
  metadata: ModelMetadata;
}

/** What "Check for a new model" found. */
export type UpdateOutcome =
  | { kind: 'updated'; version: string }
  | { kind: 'current'; version: string }
  | { kind: 'offline' }
  | { kind: 'failed'; message: string };

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
  pending = $state<OutboxCounts>({ feedback: 0, telemetry: 0, photos: 0 });
  settings = $state<Settings>({ ...DEFAULT_SETTINGS });
  online = $state(true);
  /** Set when a newer model was activated while the app ran. */
  modelNotice = $state('');

  private db: PawlensDB | undefined;
  private outbox: Outbox | undefined;
  /** The page's own model store, only to read metadata.json for the model card. */
  private store: Promise<ModelStore> | undefined;
  private client: ClassifierClient | undefined;
  /** The worker's id of the active model, and the published version of every model it holds. */
  private readonly versions = new Map<number, string>();
  private loaded: LoadedModel | undefined;
  private updating: Promise<UpdateOutcome> | undefined;
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
      schemas: loadSchemas,
      send: api.send,
      upload: api.uploadPhoto,
      enabled: async () => this.settings.sharing,
      photos: async () => this.settings.photos,
      retryTimer: true,
      onChange: () => {
        channel.postMessage('changed');
        void this.refreshCounts();
      }
    }));
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

  /** The classifier worker, started on first use: TensorFlow.js begins loading in it at once. */
  private worker(): ClassifierClient {
    this.client ??= new ClassifierClient((name) => new Worker(new URL('./classifier/worker.ts', import.meta.url), { type: 'module', name }), { ...forcedStart(), shipped }, {
      backend: (backend) => (this.backend = backend)
    });
    return this.client;
  }

  /** Starts the worker and loads the current model into it; idempotent. */
  ensureClassifier(): Promise<void> {
    this.classifierReady ??= this.loadClassifier().catch((e: unknown) => {
      this.phase = 'error';
      this.status = `The classifier could not start: ${message(e)}`;
      this.classifierReady = undefined;
      this.client?.failWaiting(new Error(this.status));
    });
    return this.classifierReady;
  }

  /** Resolves once the classifier is ready or failed to start, at once when it was not started. */
  classifierSettled(): Promise<void> {
    return this.classifierReady ?? Promise.resolve();
  }

  private async loadClassifier(): Promise<void> {
    const client = this.worker();
    this.phase = 'loading';
    this.status = 'Loading the classifier…';
    const loaded = await client.current();
    await this.use(loaded.model, loaded.source);
    this.phase = 'ready';
    this.status = '';
    this.exposeTestHook();
    void this.checkForUpdate();
  }

  private async use(loaded: LoadedModel, source: ModelSource): Promise<void> {
    this.versions.set(loaded.modelId, source.version);
    const previous = this.loaded?.modelId ?? null;
    await this.client!.activate(loaded.modelId);
    if (previous !== null && previous !== loaded.modelId) {
      this.versions.delete(previous);
      void this.client!.dispose(previous);
    }
    this.loaded = loaded;
    this.loadReported = false;
    this.model = { version: source.version, origin: source.origin, metadata: loaded.metadata };
    this.backend = loaded.backend;
  }

  /** The current model's metadata without loading the classifier (for the model card). */
  async loadModelInfo(): Promise<ModelInfo | null> {
    await this.start();
    if (this.model) return this.model;
    this.store ??= browserModelStore(this.db!, shipped);
    const store = await this.store;
    // The schema check loads zod: only the pages with a model card (not the home page) get here.
    const { readMetadata } = await import('./classifier/metadata');
    for (const source of await store.candidates()) {
      try {
        const files = await store.fetchVerified({ ...source, files: source.files.filter((f) => f.path === 'metadata.json') });
        return { version: source.version, origin: source.origin, metadata: readMetadata(files) };
      } catch {
        // not available offline or damaged; try the next candidate
      }
    }
    return null;
  }

  /** Asks the API for a newer model and switches to it once it is verified and loaded (one check at a time). */
  checkForUpdate(): Promise<UpdateOutcome> {
    this.updating ??= this.update().finally(() => (this.updating = undefined));
    return this.updating;
  }

  /** "Check for a new model": loads the classifier first if needed, then asks. */
  async checkNow(): Promise<UpdateOutcome> {
    if (!navigator.onLine) return { kind: 'offline' };
    await this.ensureClassifier();
    return this.checkForUpdate();
  }

  private async update(): Promise<UpdateOutcome> {
    if (!navigator.onLine) return { kind: 'offline' };
    if (!this.client || !this.model) return { kind: 'failed', message: this.status || 'The classifier is not ready.' };
    try {
      const loaded = await this.client.update(this.model.version);
      if (!loaded) return { kind: 'current', version: this.model.version };
      await this.use(loaded.model, loaded.source);
      this.modelNotice = `Now using model ${loaded.source.version}.`;
      return { kind: 'updated', version: loaded.source.version };
    } catch (e) {
      console.warn('Model update failed; keeping the current model.', e);
      return { kind: 'failed', message: message(e) };
    }
  }

  /**
   * Classifies a photo file. `onPreview` gets the downscaled photo to show, before the verdict (at
   * once, even while the model is still loading: a photo chosen early is classified when it is ready).
   * `telemetry: false` records nothing.
   */
  async classifyPhoto(file: Blob, name: string, onPreview: (preview: Blob) => void, { telemetry = true } = {}): Promise<Classified> {
    void this.ensureClassifier();
    const client = this.worker();
    let image: ImageInput = { kind: 'blob', blob: file, name };
    if (!(await client.offscreenCanvas())) {
      // A browser whose workers cannot draw: decode and make the pixels here.
      const photo = await decodePhoto(file, name);
      onPreview(await encodePreview(photo));
      await this.ensureClassifier();
      const { inputSize, normalization, crop } = this.model!.metadata;
      image = { kind: 'pixels', pixels: modelInput(photo, inputSize, normalization, crop) };
    }
    return this.record(await client.classify(image, onPreview), telemetry);
  }

  /** Classifies a camera frame (already at the model's input size); live frames send no telemetry. */
  async classifyFrame(bitmap: ImageBitmap): Promise<Classified> {
    return this.record(await this.worker().classify({ kind: 'bitmap', bitmap }), false);
  }

  /** Classifies a photo as any other, recording nothing (the review page checks shared photos with it). */
  async classifyQuietly(photo: Blob): Promise<Classified> {
    await this.ensureClassifier();
    if (!this.model) throw new Error(this.status || 'The classifier is not ready.');
    return this.classifyPhoto(photo, 'This photo', () => {}, { telemetry: false });
  }

  /** Names the model version and, for photos, records telemetry. */
  private record({ modelId, prediction: raw }: { modelId: number; prediction: Prediction }, telemetry: boolean): Classified {
    const modelVersion = this.versions.get(modelId) ?? this.model?.version ?? 'unknown';
    const prediction = { ...raw, latencyMs: round(raw.latencyMs) };
    if (telemetry && this.settings.sharing) {
      const first = !this.loadReported && this.loaded;
      this.loadReported = true;
      // Stored in the background: the verdict does not wait for IndexedDB.
      void this.enqueue('telemetry', {
        id: crypto.randomUUID(),
        modelVersion,
        backend: prediction.backend,
        latencyMs: prediction.latencyMs,
        ...(first ? { loadMs: round(first.loadMs), warmupMs: round(first.warmupMs) } : {}),
        userAgentClass: userAgentClass(navigator.userAgent),
        createdAt: new Date().toISOString()
      }).catch((e: unknown) => console.warn('A performance figure could not be stored.', e));
    }
    return { ...prediction, modelVersion };
  }

  /**
   * Stores what the person says the photo shows; it is sent now or whenever the device is online.
   * With photo sharing on, a copy of `photo` (the one the verdict was made on) waits with it and is
   * uploaded once the server has the answer. Returns the answer's id.
   */
  async feedback(prediction: Classified, actual: Actual, photo?: Blob): Promise<string> {
    await this.start();
    const id = crypto.randomUUID();
    const copy = this.settings.photos && photo ? await sharedCopy(photo) : undefined;
    await this.enqueue('feedback', feedbackItem(prediction, actual, id, new Date().toISOString()), copy);
    return id;
  }

  /** Changes an answer that is still waiting to be sent; 'sent' when it is too late. */
  async changeFeedback(id: string, prediction: Classified, actual: Actual): Promise<'changed' | 'sent'> {
    await this.start();
    const outcome = await this.outbox!.change('feedback', feedbackItem(prediction, actual, id, new Date().toISOString()));
    if (outcome === 'changed') void this.outbox!.flush();
    return outcome;
  }

  /** Whether an answer is still waiting on this device or the server has it. */
  async feedbackState(id: string): Promise<'waiting' | 'sent'> {
    await this.start();
    return (await this.outbox!.has(id)) ? 'waiting' : 'sent';
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
    await this.changeSettings({ sharing });
    if (sharing) void this.outbox!.retryNow();
  }

  /** Photo sharing; turning it off deletes the photo copies still waiting on this device. */
  async setPhotoSharing(photos: boolean): Promise<void> {
    await this.changeSettings({ photos });
    if (photos) void this.outbox!.retryNow();
    else await this.outbox!.dropPhotos();
  }

  private async changeSettings(change: Partial<Settings>): Promise<void> {
    await this.start();
    // Save a plain object: IndexedDB cannot clone the reactive proxy that `this.settings` is.
    const next: Settings = { ...this.settings, ...change };
    await saveSettings(this.db!, next);
    this.settings = next;
  }

  /** For the browser tests: the worker's tensor count and backend, a simulated GPU reset, worker restarts. */
  private exposeTestHook(): void {
    const client = this.client!;
    (globalThis as { __pawlens?: unknown }).__pawlens = {
      workerStats: () => client.stats(),
      loseWebGLContext: () => client.loseWebGL(),
      workerRestarts: () => client.restarts
    };
  }
}

/** `?backend=webgl` (or wasm, cpu) tries that backend first. */
const forcedBackend = () => new URLSearchParams(location.search).get('backend');
/** `?threads=N` runs wasm on N threads (cross-origin isolated pages only), for tests and benchmarks. */
const forcedThreads = () => {
  const n = Number(new URLSearchParams(location.search).get('threads'));
  return Number.isInteger(n) && n >= 1 && n <= 8 ? n : null;
};
const forcedStart = () => ({ forced: forcedBackend(), threads: forcedThreads() });
/** The photo's shareable copy, or none when it cannot be made: the answer still counts without it. */
async function sharedCopy(photo: Blob): Promise<PhotoCopy | undefined> {
  try {
    return await photoCopy(photo);
  } catch (e) {
    console.warn('Could not make the copy of the photo to share; the answer goes without it.', e);
    return undefined;
  }
}
const round = (ms: number) => Math.round(ms * 10) / 10;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const app = new PawlensApp();
