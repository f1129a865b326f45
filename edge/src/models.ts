/**
 * Published models. Files live in R2 under models/<version>/<path>, immutable once published (also
 * after a withdrawal, so caches stay valid); the D1 models table says which versions exist and which
 * one is active, i.e. offered as latest. Publishing, listing, activating and withdrawing need the admin token.
 */
import { Hono } from 'hono';
import { type LatestModel, type ModelList, ModelFilePath, ModelVersion, PublishRequest, type PublishResult } from './contract';
import { OTHER_VERSION, activeModel, insertModel, listModels, modelExists, setModelState } from './db';
import type { AppEnv } from './env';
import { apiError } from './errors';
import { requireAdmin } from './admin-auth';
import { checkModelFiles } from './model-validation';
import { sha256Hex } from './sha256';
import { jsonBody } from './validate';

const IMMUTABLE = 'public, max-age=31536000, immutable';

// Shards (.bin) and anything else are opaque bytes.
const contentTypeOf = (path: string) => (path.endsWith('.json') ? 'application/json' : 'application/octet-stream');

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export const models = new Hono<AppEnv>()
  .get('/models/latest', async (c) => {
    const latest = await activeModel(c.env.DB);
    c.header('cache-control', 'no-cache');
    return latest ? c.json(latest) : apiError(c, 404, 'not_found', 'no model is active: clients use the model they shipped with');
  })
  .get('/models', requireAdmin, async (c) => {
    const body: ModelList = { models: await listModels(c.env.DB) };
    c.header('cache-control', 'no-store');
    return c.json(body);
  })
  .post('/models/:version/:action{activate|withdraw}', requireAdmin, async (c) => {
    const version = ModelVersion.safeParse(c.req.param('version'));
    if (!version.success) return apiError(c, 400, 'validation_failed', 'version: not a model version', 'version');
    const state = c.req.param('action') === 'activate' ? 'active' : 'withdrawn';
    if (!(await setModelState(c.env.DB, version.data, state))) return apiError(c, 404, 'not_found', `model ${version.data} is not published`);
    c.header('cache-control', 'no-store');
    return c.json({ version: version.data, state });
  })
  .get('/models/:version/:file', async (c) => {
    const version = ModelVersion.safeParse(c.req.param('version'));
    if (!version.success) return apiError(c, 400, 'validation_failed', 'version: not a model version', 'version');
    const file = ModelFilePath.safeParse(c.req.param('file'));
    if (!file.success) return apiError(c, 400, 'validation_failed', 'file: not a model file name', 'file');
    const obj = await c.env.MODELS.get(`models/${version.data}/${file.data}`);
    if (!obj) return apiError(c, 404, 'not_found', `no file ${file.data} in model ${version.data}`);
    const etag = `"${obj.customMetadata?.sha256 ?? obj.etag}"`;
    const headers = new Headers({ 'cache-control': IMMUTABLE, etag, 'content-type': contentTypeOf(file.data) });
    if (c.req.header('if-none-match') === etag) {
      await obj.body.cancel();
      return new Response(null, { status: 304, headers });
    }
    headers.set('content-length', String(obj.size));
    return new Response(obj.body, { status: 200, headers });
  })
  .post('/models', requireAdmin, ...jsonBody(PublishRequest, 'MAX_PUBLISH_BYTES'), async (c) => {
    const req = c.req.valid('json');
    if (req.version === OTHER_VERSION) {
      return apiError(c, 400, 'validation_failed', `version: "${OTHER_VERSION}" is reserved for the series of unknown versions`, 'version');
    }
    const seen = new Set<string>();
    const decoded: { path: string; sha256: string; bytes: Uint8Array }[] = [];
    for (const [i, f] of req.files.entries()) {
      if (seen.has(f.path)) return apiError(c, 400, 'validation_failed', `files.${i}.path: ${f.path} is listed twice`, `files.${i}.path`);
      seen.add(f.path);
      const bytes = decodeBase64(f.contentBase64);
      if ((await sha256Hex(bytes)) !== f.sha256) {
        return apiError(c, 400, 'validation_failed', `files.${i}.sha256: does not match the content of ${f.path}`, `files.${i}.sha256`);
      }
      decoded.push({ path: f.path, sha256: f.sha256, bytes });
    }
    const checked = checkModelFiles(req.version, decoded);
    if (!checked.ok) return apiError(c, 400, 'validation_failed', checked.message, checked.field);
    if (await modelExists(c.env.DB, req.version)) {
      return apiError(c, 409, 'conflict', `model ${req.version} is already published; versions are immutable`, 'version');
    }
    // R2 first, D1 last: the version becomes visible only when every file is stored.
    await Promise.all(
      decoded.map((f) =>
        c.env.MODELS.put(`models/${req.version}/${f.path}`, f.bytes, {
          httpMetadata: { contentType: contentTypeOf(f.path), cacheControl: IMMUTABLE },
          customMetadata: { sha256: f.sha256 },
          sha256: f.sha256
        })
      )
    );
    const files = decoded.map((f) => ({ path: f.path, sha256: f.sha256, bytes: f.bytes.byteLength }));
    const model: LatestModel = {
      version: req.version,
      files,
      metrics: checked.metadata.metrics,
      publishedAt: new Date().toISOString()
    };
    const activate = req.activate === true;
    if (!(await insertModel(c.env.DB, model, activate))) {
      return apiError(c, 409, 'conflict', `model ${req.version} is already published; versions are immutable`, 'version');
    }
    const result: PublishResult = { version: req.version, files, state: activate ? 'active' : 'inactive' };
    return c.json(result, 201);
  });
