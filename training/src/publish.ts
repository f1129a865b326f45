/** `npm run publish`: uploads model/ (weights + metadata.json) to the edge API's POST /api/models. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorBody, LatestModel, PublishRequest, PublishResult } from '../../edge/src/contract.ts';
import { sha256Hex } from './data/fingerprint.ts';
import { readMetadata } from './metadata.ts';

/** The request body: every file metadata.json lists, checked against its hash, plus metadata.json. */
export function publishRequest(modelDir: string): PublishRequest {
  const meta = readMetadata(modelDir);
  const files = [...meta.files.map((f) => f.path), 'metadata.json'].map((path) => {
    const bytes = readFileSync(join(modelDir, path));
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
export async function publishModel(opts: { url: string; modelDir: string; token: string; activate?: boolean }): Promise<PublishResult> {
  const body = { ...publishRequest(opts.modelDir), activate: opts.activate === true };
  const res = await fetch(new URL('/api/models', opts.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.token}` },
    body: JSON.stringify(body)
  });
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = ErrorBody.safeParse(json);
    throw new Error(`publish failed: HTTP ${res.status}${err.success ? ` ${err.data.error.code}: ${err.data.error.message}` : ''}`);
  }
  return PublishResult.parse(json);
}

/**
 * `npm start` and `npm run deploy`: when the server has no active model, publish the shipped one and
 * activate it. A version that is already published is left as an admin left it (maybe withdrawn).
 */
export async function publishIfNoneActive(opts: { url: string; modelDir: string; token: string }): Promise<string> {
  const latest = await fetch(new URL('/api/models/latest', opts.url));
  if (latest.ok) return `model ${LatestModel.parse(await latest.json()).version} is active`;
  if (latest.status !== 404) throw new Error(`GET /api/models/latest: HTTP ${latest.status}`);
  const version = readMetadata(opts.modelDir).version;
  try {
    await publishModel({ ...opts, activate: true });
    return `published and activated the shipped model ${version}`;
  } catch (e) {
    if (/HTTP 409/.test((e as Error).message)) return `no model is active; ${version} is published but was left inactive (npm run models -- activate ${version})`;
    throw e;
  }
}

/** ADMIN_TOKEN from the environment, else from a .dev.vars file (KEY=value lines). */
export function adminToken(devVarsPath: string): string | undefined {
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN;
  try {
    const line = readFileSync(devVarsPath, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('ADMIN_TOKEN='));
    return line?.slice('ADMIN_TOKEN='.length).trim().replace(/^"(.*)"$/, '$1');
  } catch {
    return undefined;
  }
}
