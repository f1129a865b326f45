/**
 * `npm run publish`: uploads model/ (weights + metadata.json) to the edge API's POST /api/models, and
 * fetches the active model (sha256-verified) for the gate to compare with.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LatestModel, PublishRequest, PublishResult } from '../../edge/src/contract.ts';
import { apiClient, HttpError, type ApiClient } from './api-client.ts';
import { sha256Hex } from './data/fingerprint.ts';
import { readMetadata } from './metadata.ts';

/**
 * The request body: every file metadata.json lists, checked against its hash, plus metadata.json,
 * with `addToMetadata` (the gate) merged into the uploaded copy, so its sha256 is of what is sent.
 */
export function publishRequest(modelDir: string, addToMetadata?: Record<string, unknown>): PublishRequest {
  const meta = readMetadata(modelDir);
  const metadataBytes = () => {
    const raw = readFileSync(join(modelDir, 'metadata.json'));
    if (!addToMetadata) return raw;
    return Buffer.from(`${JSON.stringify({ ...(JSON.parse(raw.toString('utf8')) as object), ...addToMetadata }, null, 2)}\n`);
  };
  const files = [...meta.files.map((f) => f.path), 'metadata.json'].map((path) => {
    const bytes = path === 'metadata.json' ? metadataBytes() : readFileSync(join(modelDir, path));
    const sha256 = sha256Hex(bytes);
    const listed = meta.files.find((f) => f.path === path);
    if (listed && (listed.sha256 !== sha256 || listed.bytes !== bytes.byteLength)) {
      throw new Error(`${path} does not match metadata.json (modified after training?)`);
    }
    return { path, sha256, contentBase64: bytes.toString('base64') };
  });
  return PublishRequest.parse({ version: meta.version, files });
}

/** Publishes a model folder; it becomes the version clients get only with `activate`. */
export async function publishModel(opts: { url: string; modelDir: string; token: string; activate?: boolean; addToMetadata?: Record<string, unknown> }): Promise<PublishResult> {
  const body = { ...publishRequest(opts.modelDir, opts.addToMetadata), activate: opts.activate === true };
  const res = await apiClient(opts.url, opts.token)
    .json('POST', '/api/models', body)
    .catch((e: Error) => {
      const message = `publish failed: ${e.message}`;
      // The status stays readable (409: the version is already published).
      throw e instanceof HttpError ? new HttpError(e.status, message) : new Error(message);
    });
  return PublishResult.parse(res);
}

/** The model the server offers as latest (its active one), or null when none is active (404). */
async function activeModel(api: ApiClient): Promise<LatestModel | null> {
  try {
    return LatestModel.parse(await api.json('GET', '/api/models/latest'));
  } catch (e) {
    if (e instanceof HttpError && e.status === 404) return null;
    throw new Error(`GET /api/models/latest: ${(e as Error).message}`);
  }
}

/**
 * `npm start` and `npm run deploy`: when the server has no active model, publish the shipped one and
 * activate it. A version that is already published is left as an admin left it (maybe withdrawn).
 */
export async function publishIfNoneActive(opts: { url: string; modelDir: string; token: string }): Promise<string> {
  const active = await activeModel(apiClient(opts.url));
  if (active) return `model ${active.version} is active`;
  const version = readMetadata(opts.modelDir).version;
  try {
    await publishModel({ ...opts, activate: true });
    return `published and activated the shipped model ${version}`;
  } catch (e) {
    if (e instanceof HttpError && e.status === 409) return `no model is active; ${version} is published but was left inactive (npm run models -- activate ${version})`;
    throw e;
  }
}

/**
 * Downloads the model the server offers as latest (its active one) into `dir`, every file checked
 * against its listed sha256 and size; null when no model is active (apps then run the one they shipped).
 */
export async function downloadActiveModel(url: string, dir: string): Promise<LatestModel | null> {
  const api = apiClient(url);
  const latest = await activeModel(api);
  if (!latest) return null;
  mkdirSync(dir, { recursive: true });
  for (const f of latest.files) {
    const path = `/api/models/${encodeURIComponent(latest.version)}/${encodeURIComponent(f.path)}`;
    const bytes = await api.bytes(path).catch((e: Error) => {
      throw new Error(`GET ${path}: ${e.message}`);
    });
    const sha256 = sha256Hex(bytes);
    if (sha256 !== f.sha256 || bytes.byteLength !== f.bytes) throw new Error(`${path}: sha256 ${sha256} (${bytes.byteLength} B) is not the listed ${f.sha256} (${f.bytes} B)`);
    writeFileSync(join(dir, f.path), bytes);
  }
  return latest;
}
