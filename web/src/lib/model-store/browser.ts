/**
 * The model store as a browser realm builds it (the classifier's worker, which reads and loads the
 * model, and the page, which only reads metadata.json for the model card): Cache Storage for the
 * files, the app's IndexedDB for which version is active, the API for what is published.
 */
import { api } from '../api/api';
import { rolloutId, type PawlensDB } from '../db';
import { ModelStore, type ModelStoreDeps } from './store';
import { MODEL_CACHE } from './urls';

export async function browserModelStore(db: PawlensDB, shipped: ModelStoreDeps['shipped']): Promise<ModelStore> {
  return new ModelStore({
    cache: await caches.open(MODEL_CACHE),
    kv: {
      get: (k) => db.get('kv', k),
      set: async (k, v) => void (await db.put('kv', v, k)),
      delete: (k) => db.delete('kv', k)
    },
    fetch: (...a) => fetch(...a),
    latest: async () => api.latestModel(await rolloutId(db)),
    shipped,
    publishedUrl: api.modelFileUrl,
    origin: location.origin
  });
}
