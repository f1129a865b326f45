import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LatestModel, ModelFile } from '../../edge/src/contract.ts';
import {
  IntegrityError,
  ModelStore,
  compareVersions,
  type FileCache,
  type ModelFiles,
  type ModelStoreDeps
} from '../../web/src/lib/model-store/store.ts';
import { sha256Hex } from '../../edge/src/sha256.ts';

const ORIGIN = 'http://pawlens.test';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const describeFiles = (files: Record<string, string>): ModelFile[] =>
  Object.entries(files).map(([path, body]) => ({ path, sha256: sha(body), bytes: body.length }));
const text = (files: ModelFiles, path: string) => new TextDecoder().decode(files.get(path));

/** Cache Storage stand-in keyed by URL. */
function memoryCache(): FileCache & { urls(): string[] } {
  const m = new Map<string, ArrayBuffer>();
  const key = (r: RequestInfo | URL) => (typeof r === 'string' ? r : r instanceof URL ? r.href : r.url);
  return {
    match: async (r: RequestInfo | URL) => {
      const b = m.get(key(r));
      return (b ? new Response(b.slice(0)) : undefined) as Response;
    },
    put: async (r: RequestInfo | URL, res: Response) => void m.set(key(r), await res.arrayBuffer()),
    delete: async (r: RequestInfo | URL) => m.delete(key(r)),
    urls: () => [...m.keys()]
  } as FileCache & { urls(): string[] };
}

function setup() {
  const shippedFiles = { 'model.json': 'shipped-topology', 'metadata.json': '{"v":"1.0.0"}', 'group1-shard1of1.bin': 'w1' };
  const served = new Map<string, string>(
    Object.entries(shippedFiles).map(([p, b]) => [`${ORIGIN}/model/${p}?sha256=${sha(b)}`, b])
  );
  const fetched: string[] = [];
  let latest: LatestModel | null = null;
  let offline = false;
  const kvMap = new Map<string, unknown>();
  const cache = memoryCache();
  const deps: ModelStoreDeps = {
    cache,
    kv: { get: async (k) => kvMap.get(k), set: async (k, v) => void kvMap.set(k, structuredClone(v)), delete: async (k) => void kvMap.delete(k) },
    fetch: (async (url: string) => {
      if (offline) throw new TypeError('Failed to fetch');
      fetched.push(url);
      const body = served.get(url);
      return body === undefined ? new Response('{}', { status: 404 }) : new Response(body);
    }) as typeof fetch,
    latest: async () => {
      if (offline) throw new TypeError('Failed to fetch');
      return latest;
    },
    shipped: { version: '1.0.0', base: '/model/', files: describeFiles(shippedFiles) },
    publishedUrl: (v, p) => `/api/models/${v}/${p}`,
    origin: ORIGIN
  };
  /** Publishes a version on the fake API; `tamper` serves different bytes than its manifest says. */
  const publish = (version: string, files: Record<string, string>, tamper?: string) => {
    if (version === '') return void (latest = null); // nothing active any more
    for (const [p, b] of Object.entries(files)) served.set(`${ORIGIN}/api/models/${version}/${p}`, p === tamper ? b + 'X' : b);
    latest = { version, files: describeFiles(files), metrics: null, publishedAt: new Date().toISOString() };
  };
  const load = async (files: ModelFiles) => text(files, 'model.json');
  return { store: new ModelStore(deps), deps, cache, kvMap, fetched, publish, load, setOffline: (v: boolean) => (offline = v) };
}

describe('model store', () => {
  it('builds the model while its files are still being cached, and answers once both are done', async () => {
    const { store, deps, cache, load } = setup();
    const writing: (() => void)[] = [];
    const put = cache.put.bind(cache);
    deps.cache.put = (r, res) => new Promise<void>((done) => writing.push(() => void put(r, res).then(done)));
    let built = false;
    let answered = false;
    const loading = store.loadCurrent(async (files) => ((built = true), load(files))).then((r) => ((answered = true), r));
    await expect.poll(() => built).toBe(true);
    expect(writing).toHaveLength(3);
    expect(answered).toBe(false);
    for (const finish of writing) finish();
    expect((await loading).model).toBe('shipped-topology');
    expect(cache.urls()).toHaveLength(3);
  });

  it('fails a load whose files could not be cached, as before', async () => {
    const { store, deps, load } = setup();
    deps.cache.put = async () => {
      throw new DOMException('quota exceeded', 'QuotaExceededError');
    };
    await expect(store.loadCurrent(load)).rejects.toThrow('quota exceeded');
  });

  it('loads the shipped model, verified, and serves it from the cache next time', async () => {
    const { store, fetched, load } = setup();
    const first = await store.loadCurrent(load);
    expect(first.model).toBe('shipped-topology');
    expect(first.source).toMatchObject({ version: '1.0.0', origin: 'shipped' });
    expect(fetched).toHaveLength(3);
    const again = await store.loadCurrent(load);
    expect(again.model).toBe('shipped-topology');
    expect(fetched).toHaveLength(3);
  });

  it('downloads, verifies and activates a newer published version, and keeps it across restarts', async () => {
    const { store, deps, publish, load } = setup();
    await store.loadCurrent(load);
    publish('1.1.0', { 'model.json': 'new-topology', 'metadata.json': '{"v":"1.1.0"}', 'group1-shard1of1.bin': 'w2' });
    const updated = await store.update('1.0.0', load);
    expect(updated?.model).toBe('new-topology');
    expect((await store.activeSource())?.version).toBe('1.1.0');
    // A fresh store (app restart) with the same storage picks the published version.
    const restarted = new ModelStore(deps);
    expect((await restarted.loadCurrent(load)).source.version).toBe('1.1.0');
    expect(await restarted.update('1.1.0', load)).toBeNull();
  });

  it('never activates a version whose file fails its sha256 check, and does not retry it', async () => {
    const { store, cache, publish, load, fetched } = setup();
    await store.loadCurrent(load);
    publish('1.2.0', { 'model.json': 'evil', 'metadata.json': '{}', 'group1-shard1of1.bin': 'w3' }, 'group1-shard1of1.bin');
    await expect(store.update('1.0.0', load)).rejects.toBeInstanceOf(IntegrityError);
    expect(await store.activeSource()).toBeNull();
    expect(cache.urls().some((u) => u.includes('/api/models/1.2.0/'))).toBe(false);
    expect((await store.loadCurrent(load)).source.version).toBe('1.0.0');
    const before = fetched.length;
    expect(await store.update('1.0.0', load)).toBeNull();
    expect(fetched.length).toBe(before);
  });

  it('keeps the current model when a new version verifies but does not load', async () => {
    const { store, publish } = setup();
    publish('2.0.0', { 'model.json': 'broken', 'metadata.json': '{}' });
    const load = async (files: ModelFiles) => {
      if (text(files, 'model.json') === 'broken') throw new Error('Unknown layer');
      return 'ok';
    };
    await expect(store.update('1.0.0', load)).rejects.toThrow('Unknown layer');
    expect(await store.activeSource()).toBeNull();
  });

  it('retries a version whose download failed for network reasons', async () => {
    const { store, publish, load, setOffline } = setup();
    publish('1.3.0', { 'model.json': 'n', 'metadata.json': '{}' });
    setOffline(true);
    await expect(store.update('1.0.0', load)).rejects.toThrow('Failed to fetch');
    setOffline(false);
    expect((await store.update('1.0.0', load))?.source.version).toBe('1.3.0');
  });

  it('ignores versions that are not newer', async () => {
    const { store, publish, load, fetched } = setup();
    publish('0.9.0', { 'model.json': 'old', 'metadata.json': '{}' });
    expect(await store.update('1.0.0', load)).toBeNull();
    expect(fetched).toHaveLength(0);
  });

  it('moves off a withdrawn version at the next check: to the active one, even an older one', async () => {
    const { store, publish, load, cache } = setup();
    publish('1.6.0', { 'model.json': 'v16', 'metadata.json': '{}' });
    expect((await store.update('1.0.0', load))?.source.version).toBe('1.6.0');
    // 1.6.0 is withdrawn and the admin activates 1.5.0 again.
    publish('1.5.0', { 'model.json': 'v15', 'metadata.json': '{}' });
    const moved = await store.update('1.6.0', load);
    expect(moved?.model).toBe('v15');
    expect((await store.activeSource())?.version).toBe('1.5.0');
    expect(cache.urls().some((u) => u.includes('/api/models/1.6.0/'))).toBe(false);
    expect(await store.update('1.5.0', load)).toBeNull();
  });

  it('goes back to the shipped model when no version is active any more', async () => {
    const { store, publish, load, cache } = setup();
    publish('1.7.0', { 'model.json': 'v17', 'metadata.json': '{}' });
    await store.update('1.0.0', load);
    publish('', {});
    const back = await store.update('1.7.0', load);
    expect(back?.source).toMatchObject({ origin: 'shipped', version: '1.0.0' });
    expect(back?.model).toBe('shipped-topology');
    expect(await store.activeSource()).toBeNull();
    expect(cache.urls().some((u) => u.includes('/api/models/1.7.0/'))).toBe(false);
    expect((await store.loadCurrent(load)).source.origin).toBe('shipped');
    // Already on the shipped model: nothing to do.
    expect(await store.update('1.0.0', load)).toBeNull();
  });

  it('rolls back to the shipped model when the active version can no longer be loaded', async () => {
    const { store, cache, publish, load, setOffline } = setup();
    await store.loadCurrent(load);
    publish('1.4.0', { 'model.json': 'v14', 'metadata.json': '{}' });
    await store.update('1.0.0', load);
    // The cached copy is evicted and the device is offline: the published version cannot load.
    for (const u of cache.urls()) if (u.includes('/api/models/1.4.0/')) await cache.delete(u);
    setOffline(true);
    const current = await store.loadCurrent(load);
    expect(current.source.origin).toBe('shipped');
    expect(await store.activeSource()).toBeNull();
  });

  it('detects a corrupted cached file and refuses it', async () => {
    const { store, cache, load, setOffline } = setup();
    await store.loadCurrent(load);
    const shard = cache.urls().find((u) => u.includes('group1-shard1of1.bin'))!;
    await cache.put(shard, new Response('garbage'));
    setOffline(true);
    await expect(store.loadCurrent(load)).rejects.toBeInstanceOf(IntegrityError);
    expect(cache.urls()).not.toContain(shard);
  });

  it('orders versions naturally and hashes like sha256sum', async () => {
    expect(compareVersions('1.10.0', '1.9.0')).toBeGreaterThan(0);
    expect(compareVersions('2026.11.24-2', '2026.11.24-10')).toBeLessThan(0);
    expect(compareVersions('1.0.0', '1.0.0')).toBe(0);
    expect(await sha256Hex(new TextEncoder().encode('abc').buffer as ArrayBuffer)).toBe(sha('abc'));
  });
});
