/**
 * The classifier worker's side of the model store: the model's files are fetched (or taken from the
 * cache), checked against their sha256 and activated by the store's rules here, next to the engine
 * that builds them, so the model's bytes never pass through the page. The backend chosen for a
 * version is remembered here too.
 */
import type { BackendName } from './backends';
import { isBackend } from './backends';
import type { Engine } from './engine';
import type { LoadedModel, ModelLoad, RestoreRequest } from './protocol';
import { openPawlensDB, type PawlensDB } from '../db';
import { browserModelStore } from '../model-store/browser';
import type { ModelFiles, ModelSource, ModelStore, ModelStoreDeps } from '../model-store/store';

/** The backend chosen for a model version on this device (IndexedDB key). */
const backendKey = (version: string) => `backend:${version}`;

export class ModelLoader {
  private opened: Promise<{ db: PawlensDB; store: ModelStore }> | undefined;

  constructor(private readonly engine: Promise<Engine>) {}

  /** Opens the store at once (from the worker's first message), so reading the model overlaps TensorFlow.js loading. */
  open(shipped: ModelStoreDeps['shipped']): void {
    this.opened ??= openPawlensDB().then(async (db) => ({ db, store: await browserModelStore(db, shipped) }));
  }

  async current(modelId: number): Promise<ModelLoad> {
    return (await this.store()).loadCurrent(this.loadAs(modelId));
  }

  async update(modelId: number, current: string | null): Promise<ModelLoad | null> {
    return (await this.store()).update(current, this.loadAs(modelId));
  }

  async restore({ modelId, source, remembered }: RestoreRequest): Promise<LoadedModel> {
    const files = await (await this.store()).fetchVerified(source);
    return (await this.engine).load({ modelId, files, remembered: remembered ?? (await this.remembered(source.version)) });
  }

  async remember(version: string, backend: BackendName): Promise<void> {
    await (await this.opened)?.db.put('kv', backend, backendKey(version));
  }

  private loadAs(modelId: number) {
    return async (files: ModelFiles, source: ModelSource): Promise<LoadedModel> =>
      (await this.engine).load({ modelId, files, remembered: await this.remembered(source.version) });
  }

  private async remembered(version: string): Promise<BackendName | null> {
    const value = await (await this.opened)?.db.get('kv', backendKey(version));
    return isBackend(value) ? value : null;
  }

  private async store(): Promise<ModelStore> {
    if (!this.opened) throw new Error('The classifier was not prepared.');
    return (await this.opened).store;
  }
}
