/**
 * Published models. Files live in R2 under models/<version>/<path>, immutable once published;
 * the D1 models table says which versions exist and which is latest.
 */
import { Hono } from 'hono';
import { type LatestModel, ModelFilePath, ModelMetadata, ModelVersion, PublishRequest, type PublishResult } from './contract';
import { insertModel, latestModel, modelExists } from './db';
import type { AppEnv } from './env';
import { apiError } from './errors';
import { requireAdmin } from './admin-auth';
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

function metricsOf(metadataBytes: Uint8Array | undefined): LatestModel['metrics'] {
  if (!metadataBytes) return null;
  try {
    const parsed = ModelMetadata.safeParse(JSON.parse(new TextDecoder().decode(metadataBytes)));
    return parsed.success ? parsed.data.metrics : null;
  } catch {
    return null;
  }
}

export const models = new Hono<AppEnv>()
  .get('/models/latest', async (c) => {
    const latest = await latestModel(c.env.DB);
    c.header('cache-control', 'no-cache');
    return latest ? c.json(latest) : apiError(c, 404, 'not_found', 'no model has been published yet');
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
    if (!seen.has('model.json')) return apiError(c, 400, 'validation_failed', 'files: model.json is required', 'files');
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
      metrics: metricsOf(decoded.find((f) => f.path === 'metadata.json')?.bytes),
      publishedAt: new Date().toISOString()
    };
    if (!(await insertModel(c.env.DB, model))) {
      return apiError(c, 409, 'conflict', `model ${req.version} is already published; versions are immutable`, 'version');
    }
    const result: PublishResult = { version: req.version, files };
    return c.json(result, 201);
  });
