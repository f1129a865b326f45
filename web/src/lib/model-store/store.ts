/**
 * Which model version is active, and getting it onto the device safely. Every file is checked against
 * its sha256 before use; a new version is activated only after all its files verified and it loaded;
 * a version that fails is never activated and the current one stays. When the remembered version can
 * no longer be loaded, the store rolls back to the model shipped with the app.
 */
import type { LatestModel, ModelFile } from '../../../../edge/src/contract';
import { sha256Hex } from '../../../../edge/src/sha256';

export interface ModelSource {
  version: string;
  origin: 'shipped' | 'published';
  files: ModelFile[];
}

/** A model's files by path, every one verified. */
export type ModelFiles = Map<string, ArrayBuffer>;

export interface Loaded<T> {
  source: ModelSource;
  model: T;
}

/** The subset of the Cache Storage API the store uses. */
export type FileCache = Pick<Cache, 'match' | 'put' | 'delete'>;

export interface KeyValue {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface ModelStoreDeps {
  cache: FileCache;
  kv: KeyValue;
  fetch: typeof fetch;
  latest: () => Promise<LatestModel | null>;
  /** The model built into the app (null when the build had none). */
  shipped: { version: string; base: string; files: ModelFile[] } | null;
  publishedUrl: (version: string, path: string) => string;
  /** Absolute base for cache keys (the page origin; tests pass their own). */
  origin: string;
}

export class IntegrityError extends Error {
  constructor(readonly path: string, expected: string, actual: string) {
    super(`${path}: sha256 ${actual} does not match the expected ${expected}`);
    this.name = 'IntegrityError';
  }
}

const ACTIVE_KEY = 'model.active';
const REJECTED_KEY = 'model.rejected';

/** Newer means greater in natural order: "1.10.0" > "1.9.0", "2026.11.24-b" > "2026.11.24-a". */
export function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export class ModelStore {
  constructor(private readonly deps: ModelStoreDeps) {}

  fileUrl(source: ModelSource, file: ModelFile): string {
    const { shipped, origin } = this.deps;
    if (source.origin === 'shipped' && shipped) return new URL(`${shipped.base}${file.path}?sha256=${file.sha256}`, origin).href;
    return new URL(this.deps.publishedUrl(source.version, file.path), origin).href;
  }

  shippedSource(): ModelSource | null {
    const s = this.deps.shipped;
    return s ? { version: s.version, origin: 'shipped', files: s.files } : null;
  }

  /** The remembered published version, if any. */
  async activeSource(): Promise<ModelSource | null> {
    return ((await this.deps.kv.get(ACTIVE_KEY)) as ModelSource | undefined) ?? null;
  }

  /** The models to try, best first: the remembered published one and the shipped one, newest first. */
  async candidates(): Promise<ModelSource[]> {
    return [await this.activeSource(), this.shippedSource()]
      .filter((s): s is ModelSource => s !== null)
      .sort((a, b) => compareVersions(b.version, a.version));
  }

  /** Reads every file (side by side) from the cache or the network, verifies it and keeps verified copies cached. */
  async fetchVerified(source: ModelSource): Promise<ModelFiles> {
    const { files, stored } = await this.readVerified(source);
    await stored;
    return files;
  }

  /**
   * fetchVerified's two halves: the verified files, and the caching of those that came from the
   * network, which may go on meanwhile (writing 2.4 MB to Cache Storage is a fifth of a second on a
   * cold start, which the model's build need not wait for).
   */
  private async readVerified(source: ModelSource): Promise<{ files: ModelFiles; stored: Promise<unknown> }> {
    const writes: Promise<void>[] = [];
    const read = async (file: ModelFile): Promise<[string, ArrayBuffer]> => {
      const url = this.fileUrl(source, file);
      let res = await this.deps.cache.match(url);
      const cached = !!res;
      if (!res) {
        res = await this.deps.fetch(url);
        if (!res.ok) throw new Error(`${file.path}: HTTP ${res.status}`);
      }
      const data = await res.arrayBuffer();
      const actual = await sha256Hex(data);
      if (actual !== file.sha256) {
        await this.deps.cache.delete(url);
        throw new IntegrityError(file.path, file.sha256, actual);
      }
      if (!cached) {
        const write = this.deps.cache.put(url, new Response(data));
        write.catch(() => {}); // reported through `stored`; no unhandled rejection when a read fails first
        writes.push(write);
      }
      return [file.path, data];
    };
    const files = new Map(await Promise.all(source.files.map(read)));
    return { files, stored: Promise.all(writes) };
  }

  /**
   * Loads the best model available: the remembered published version unless the shipped one is
   * newer, falling back to the shipped model when it fails (and forgetting the broken version).
   */
  async loadCurrent<T>(load: (files: ModelFiles, source: ModelSource) => Promise<T>): Promise<Loaded<T>> {
    const candidates = await this.candidates();
    let lastError: unknown = new Error('no model: none shipped with this build and none published yet');
    for (const source of candidates) {
      try {
        const { files, stored } = await this.readVerified(source);
        // Loaded and cached both, or neither counts (as when fetchVerified ran first).
        const [model] = await Promise.all([load(files, source), stored]);
        return { source, model };
      } catch (e) {
        lastError = e;
        if (source.origin === 'published') await this.deps.kv.delete(ACTIVE_KEY);
      }
    }
    throw lastError;
  }

  /**
   * Asks the API which version is active and moves to it when this device runs another one: the
   * server's choice wins (an admin may roll back to an older version), unless the shipped model is
   * newer. With no active version (the one in use was withdrawn), the device goes back to the shipped
   * model. A new version is downloaded, every file verified, loaded, and only then remembered as
   * active. Returns null when nothing changes. A version that failed verification or loading is
   * remembered as rejected and not retried; network failures are thrown and retried on the next check.
   */
  async update<T>(currentVersion: string | null, load: (files: ModelFiles, source: ModelSource) => Promise<T>): Promise<Loaded<T> | null> {
    const latest = await this.deps.latest();
    const shipped = this.shippedSource();
    if (!latest || (shipped && compareVersions(latest.version, shipped.version) <= 0)) return this.backToShipped(load);
    if (latest.version === currentVersion) return null;
    if ((await this.deps.kv.get(REJECTED_KEY)) === latest.version) return null;
    const source: ModelSource = { version: latest.version, origin: 'published', files: latest.files };
    let files: ModelFiles;
    try {
      files = await this.fetchVerified(source);
    } catch (e) {
      await this.forget(source);
      if (e instanceof IntegrityError) await this.deps.kv.set(REJECTED_KEY, source.version);
      throw e;
    }
    let model: T;
    try {
      model = await load(files, source);
    } catch (e) {
      await this.forget(source);
      await this.deps.kv.set(REJECTED_KEY, source.version);
      throw e;
    }
    const previous = await this.activeSource();
    await this.deps.kv.set(ACTIVE_KEY, source);
    if (previous && previous.version !== source.version) await this.forget(previous);
    return { source, model };
  }

  /** Forgets the remembered published version (withdrawn on the server) and loads the shipped model. */
  private async backToShipped<T>(load: (files: ModelFiles, source: ModelSource) => Promise<T>): Promise<Loaded<T> | null> {
    const active = await this.activeSource();
    const shipped = this.shippedSource();
    if (!active || !shipped) return null;
    const files = await this.fetchVerified(shipped);
    const model = await load(files, shipped);
    await this.deps.kv.delete(ACTIVE_KEY);
    await this.forget(active);
    return { source: shipped, model };
  }

  /** Drops a version's files from the cache. */
  private async forget(source: ModelSource): Promise<void> {
    await Promise.all(source.files.map((f) => this.deps.cache.delete(this.fileUrl(source, f))));
  }
}
