/**
 * The page's side of the classifier worker: calls as promises, a photo's preview before its verdict,
 * and a new worker when the old one dies. Death is noticed through a Web Lock the worker holds while
 * it lives (the page's request for it is granted the moment the worker is gone); the new worker gets
 * every model version again (it reads their files from the cache and verifies them again) and the
 * calls still waiting, except camera frames, whose bitmaps went with the old worker (the camera
 * simply sends the next frame). The model's files never pass through the page.
 */
import type { ModelSource } from '../model-store/store';
import type { BackendName } from './backends';
import { LOCK_PREFIX, type Call, type Classification, type ImageInput, type Method, type Methods, type ModelLoad, type Prepare, type WorkerMessage, type WorkerStats } from './protocol';

export class WorkerGoneError extends Error {
  constructor() {
    super('The classifier stopped; it is starting again.');
    this.name = 'WorkerGoneError';
  }
}

/** An error from the worker, with the name it had there (e.g. UndecodableImageError). */
class ClassifierError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface ClientEvents {
  /** The worker moved to another backend (a fallback, or WebGL proved faster). */
  backend(backend: BackendName, reason: string): void;
}

interface Pending {
  msg: Call;
  resolve(value: unknown): void;
  reject(error: Error): void;
  onPreview?: (preview: Blob) => void;
}

export class ClassifierClient {
  private worker!: Worker;
  private hello!: Promise<{ offscreenCanvas: boolean }>;
  private nextCall = 1;
  private nextModel = 1;
  private readonly pending = new Map<number, Pending>();
  /** Every model version the worker should hold, to load again into a new worker. */
  private readonly models = new Map<number, { source: ModelSource; remembered: BackendName | null }>();
  private activeId: number | null = null;
  /** How many times a dead worker was replaced. */
  restarts = 0;

  /** `start`: how every worker starts (`?backend=`, `?threads=`), sent to it at once. */
  constructor(
    private readonly spawn: (name: string) => Worker,
    private readonly start: Prepare,
    private readonly events: ClientEvents
  ) {
    this.startWorker();
  }

  /** Whether the worker can decode and draw by itself (OffscreenCanvas); else the page makes the pixels. */
  async offscreenCanvas(): Promise<boolean> {
    return (await this.hello).offscreenCanvas;
  }

  /** Loads the best model available (the worker reads, verifies and chooses it with the model store). */
  current(): Promise<ModelLoad> {
    return this.loadNew((modelId) => this.call('current', { modelId }) as Promise<ModelLoad>);
  }

  /** Moves the worker to the version the API says is active; null when nothing changes. */
  update(current: string | null): Promise<ModelLoad | null> {
    return this.loadNew((modelId) => this.call('update', { modelId, current }) as Promise<ModelLoad | null>);
  }

  private async loadNew<T extends ModelLoad | null>(load: (modelId: number) => Promise<T>): Promise<T> {
    const modelId = this.nextModel++;
    const loaded = await load(modelId);
    if (loaded) this.models.set(modelId, { source: loaded.source, remembered: null });
    return loaded;
  }

  activate(modelId: number): Promise<void> {
    this.activeId = modelId;
    return this.call('activate', { modelId }) as Promise<void>;
  }

  dispose(modelId: number): Promise<void> {
    this.models.delete(modelId);
    return this.call('dispose', { modelId }) as Promise<void>;
  }

  /** Classifies with the active model; `onPreview` gets a photo file's JPEG preview first. */
  classify(image: ImageInput, onPreview?: (preview: Blob) => void): Promise<Classification> {
    return this.call('classify', { image }, onPreview) as Promise<Classification>;
  }

  stats(): Promise<WorkerStats> {
    return this.call('stats', undefined) as Promise<WorkerStats>;
  }

  loseWebGL(): Promise<void> {
    return this.call('loseWebGL', undefined) as Promise<void>;
  }

  /** Rejects the classifications waiting for a model (when loading one failed). */
  failWaiting(error: Error): void {
    for (const [id, p] of this.pending) {
      if (p.msg.method !== 'classify') continue;
      this.pending.delete(id);
      p.reject(error);
    }
  }

  private call<M extends Method>(method: M, args: Parameters<Methods[M]>[0], onPreview?: (preview: Blob) => void): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const msg = { call: this.nextCall++, method, args } as Call;
      this.pending.set(msg.call, { msg, resolve, reject, onPreview });
      this.send(msg);
    });
  }

  private send(msg: Call): void {
    const image = msg.method === 'classify' ? msg.args.image : null;
    this.worker.postMessage(msg, image?.kind === 'bitmap' ? [image.bitmap] : []);
  }

  private startWorker(): void {
    const name = crypto.randomUUID();
    const worker = (this.worker = this.spawn(name));
    worker.postMessage({ call: this.nextCall++, method: 'prepare', args: this.start } satisfies Call);
    let greeted: (m: { offscreenCanvas: boolean }) => void;
    this.hello = new Promise((ok) => (greeted = ok));
    worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
      if (worker !== this.worker) return;
      const m = e.data;
      if ('event' in m) {
        if (m.event === 'hello') {
          greeted(m);
          // Granted only once the worker no longer holds it, i.e. once it is gone.
          void navigator.locks?.request(LOCK_PREFIX + name, () => {
            if (worker === this.worker) this.replace();
          });
        } else {
          // A new worker goes straight to the backend this one ended up on.
          for (const held of this.models.values()) held.remembered = m.backend;
          this.events.backend(m.backend, m.reason);
        }
      } else if ('progress' in m) {
        this.pending.get(m.progress)?.onPreview?.(m.preview);
      } else {
        const p = this.pending.get(m.reply);
        if (!p) return;
        this.pending.delete(m.reply);
        if (m.ok) p.resolve(m.value);
        else p.reject(new ClassifierError(m.error.name, m.error.message));
      }
    };
    // The worker's script could not be loaded or run: nothing it was asked will be answered.
    worker.onerror = (e) => {
      e.preventDefault();
      const error = new Error(`The classifier could not start${e.message ? `: ${e.message}` : ''}.`);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
  }

  /** A new worker, with every model loaded again and the calls that were waiting sent again. */
  private replace(): void {
    this.restarts++;
    this.worker.terminate();
    this.startWorker();
    const waiting = [...this.pending.values()];
    const resent = new Set<number>();
    for (const [modelId, held] of this.models) {
      const pendingRestore = waiting.find((p) => p.msg.method === 'restore' && p.msg.args.modelId === modelId);
      const msg: Call = pendingRestore?.msg ?? { call: this.nextCall++, method: 'restore', args: { ...held, modelId } };
      this.send(msg);
      resent.add(msg.call);
    }
    if (this.activeId !== null) this.send({ call: this.nextCall++, method: 'activate', args: { modelId: this.activeId } });
    for (const p of waiting) {
      if (resent.has(p.msg.call)) continue;
      if (p.msg.method === 'classify' && p.msg.args.image.kind === 'bitmap') {
        this.pending.delete(p.msg.call);
        p.reject(new WorkerGoneError());
      } else if (p.msg.method === 'activate') {
        // Sent above for the model active now.
        this.pending.delete(p.msg.call);
        p.resolve(undefined);
      } else {
        this.send(p.msg);
      }
    }
  }
}

