/**
 * Published models. Files live in R2 under models/<version>/<path>, immutable once published (also
 * after a withdrawal, so caches stay valid); the D1 models table says which versions exist, which
 * one is active (offered as latest) and which one is staged (offered instead to a share of installs,
 * by the bucket of the install id they send). Publishing and every lifecycle change need the admin token.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import {
  ActivateRequest,
  LatestQuery,
  type LatestModel,
  type LifecycleResult,
  type ModelList,
  ModelFilePath,
  type ModelState,
  ModelVersion,
  PublishRequest,
  type PublishResult
} from './contract';
import { OTHER_VERSION, activateModel, insertModel, listModels, modelExists, promoteStaged, rollbackStaged, servedModel, withdrawModel } from './db';
import type { AppEnv } from './env';
import { apiError } from './errors';
import { requireAdmin } from './admin-auth';
import { checkModelFiles } from './model-validation';
import { sha256Hex } from './sha256';
import { installBucket } from './install-bucket';
import { jsonBody, optionalJsonBody, params, query } from './validate';

const IMMUTABLE = 'public, max-age=31536000, immutable';

// Shards (.bin) and anything else are opaque bytes.
const contentTypeOf = (path: string) => (path.endsWith('.json') ? 'application/json' : 'application/octet-stream');

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const noStore = { 'cache-control': 'no-store' };

const VersionParam = z.strictObject({ version: ModelVersion });

const lifecycle = (version: string, state: ModelState, percent: number): LifecycleResult => ({ version, state, percent });

export const models = new Hono<AppEnv>()
  .get('/models/latest', query(LatestQuery), async (c) => {
    const { install } = c.req.valid('query');
    const latest = await servedModel(c.env.DB, install === undefined ? null : await installBucket(install));
    c.header('cache-control', 'no-cache');
    return latest ? c.json(latest) : apiError(c, 404, 'not_found', 'no model is active: clients use the model they shipped with');
  })
  .get('/models', requireAdmin, async (c) => {
    const body: ModelList = { models: await listModels(c.env.DB) };
    return c.json(body, 200, noStore);
  })
  // One segment after /models: neither the file route nor /models/:version/activate (two segments) can take them.
  .post('/models/promote', requireAdmin, async (c) => {
    const version = await promoteStaged(c.env.DB);
    if (version === null) return apiError(c, 409, 'conflict', 'no version is staged: activate one with a percent first');
    return c.json(lifecycle(version, 'active', 100), 200, noStore);
  })
  .post('/models/rollback', requireAdmin, async (c) => {
    const version = await rollbackStaged(c.env.DB);
    if (version === null) return apiError(c, 409, 'conflict', 'no version is staged: nothing to roll back');
    return c.json(lifecycle(version, 'withdrawn', 0), 200, noStore);
  })
  .post('/models/:version/activate', requireAdmin, params(VersionParam), ...optionalJsonBody(ActivateRequest), async (c) => {
    const { version } = c.req.valid('param');
    const percent = c.req.valid('json').percent ?? 100;
    const result = await activateModel(c.env.DB, version, percent);
    if (!result) return apiError(c, 404, 'not_found', `model ${version} is not published`);
    if (percent < 100 && result.state === 'active') {
      return apiError(c, 409, 'conflict', `model ${version} is already active for everyone; stage another version, or activate it for all`);
    }
    return c.json(result, 200, noStore);
  })
  .post('/models/:version/withdraw', requireAdmin, params(VersionParam), async (c) => {
    const { version } = c.req.valid('param');
    if (!(await withdrawModel(c.env.DB, version))) return apiError(c, 404, 'not_found', `model ${version} is not published`);
    return c.json(lifecycle(version, 'withdrawn', 0), 200, noStore);
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
