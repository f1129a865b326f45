import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { LatestModel, PublishRequest } from '../../edge/src/contract';
import { sha256Hex as sha256 } from '../../edge/src/sha256';
import { ADMIN_TOKEN, api, errorOf, postJson, rowCount } from './helpers';

const enc = new TextEncoder();
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

const metadata = {
  version: '2026.11.24-1',
  created: '2026-11-24T10:00:00Z',
  labels: ['cat', 'dog'],
  inputSize: [224, 224],
  normalization: { scale: 1 / 127.5, offset: -1 },
  unsureThreshold: 0.8,
  metrics: { accuracy: 0.985 },
  datasetFingerprint: 'ab'.repeat(32),
  backend: 'wasm',
  runId: 'run-1',
  files: []
};

async function publishBody(version: string, tamper = false): Promise<PublishRequest> {
  const files = {
    'model.json': enc.encode(JSON.stringify({ format: 'layers-model', weightsManifest: [] })),
    'group1-shard1of1.bin': new Uint8Array([0, 1, 2, 3, 250, 251, 252, 253]),
    'metadata.json': enc.encode(JSON.stringify({ ...metadata, version }))
  };
  return {
    version,
    files: await Promise.all(
      Object.entries(files).map(async ([path, bytes], i) => ({
        path,
        sha256: tamper && i === 1 ? await sha256(enc.encode('something else')) : await sha256(bytes),
        contentBase64: b64(bytes)
      }))
    )
  };
}

const auth = (token = ADMIN_TOKEN) => ({ authorization: `Bearer ${token}` });

describe('POST /api/models (publish)', () => {
  it('refuses without a token, with a wrong token and with another scheme: 401, nothing stored', async () => {
    const body = await publishBody('1.0.0');
    for (const headers of [{}, auth('wrong-token'), auth(`${ADMIN_TOKEN}x`), { authorization: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` }]) {
      const res = await postJson('/api/models', body, headers);
      expect(res.status).toBe(401);
      expect((await errorOf(res)).code).toBe('unauthorized');
    }
    expect(await rowCount(env.DB, 'models')).toBe(0);
    expect((await env.MODELS.list()).objects).toHaveLength(0);
  });

  it('rejects a file whose sha256 does not match with 400 and stores nothing', async () => {
    const res = await postJson('/api/models', await publishBody('1.0.0', true), auth());
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: 'validation_failed', field: 'files.1.sha256' });
    expect(await rowCount(env.DB, 'models')).toBe(0);
    expect((await env.MODELS.list()).objects).toHaveLength(0);
    expect((await api('/api/models/latest')).status).toBe(404);
  });

  it('rejects a publish without model.json', async () => {
    const body = await publishBody('1.0.0');
    body.files = body.files.filter((f) => f.path !== 'model.json');
    const res = await postJson('/api/models', body, auth());
    expect(res.status).toBe(400);
    expect((await errorOf(res)).field).toBe('files');
  });

  it('publishes, lists as latest, and serves immutable files with ETags', async () => {
    const body = await publishBody('1.0.0');
    const res = await postJson('/api/models', body, auth());
    expect(res.status).toBe(201);
    const latest = (await (await api('/api/models/latest')).json()) as LatestModel;
    expect(latest.version).toBe('1.0.0');
    expect(latest.metrics).toEqual({ accuracy: 0.985 });
    expect(latest.files.map((f) => f.path).sort()).toEqual(['group1-shard1of1.bin', 'metadata.json', 'model.json']);
    expect(latest.files.find((f) => f.path === 'group1-shard1of1.bin')).toMatchObject({ bytes: 8, sha256: body.files[1]!.sha256 });

    const shard = await api('/api/models/1.0.0/group1-shard1of1.bin');
    expect(shard.status).toBe(200);
    expect(shard.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(shard.headers.get('content-type')).toBe('application/octet-stream');
    expect(shard.headers.get('etag')).toBe(`"${body.files[1]!.sha256}"`);
    expect([...new Uint8Array(await shard.arrayBuffer())]).toEqual([0, 1, 2, 3, 250, 251, 252, 253]);

    const manifest = await api('/api/models/1.0.0/model.json');
    expect(manifest.headers.get('content-type')).toBe('application/json');
    expect(await manifest.json()).toEqual({ format: 'layers-model', weightsManifest: [] });

    const cached = await api('/api/models/1.0.0/group1-shard1of1.bin', { headers: { 'if-none-match': `"${body.files[1]!.sha256}"` } });
    expect(cached.status).toBe(304);
  });

  it('keeps versions immutable: publishing the same version again is a 409', async () => {
    expect((await postJson('/api/models', await publishBody('1.0.0'), auth())).status).toBe(201);
    const again = await postJson('/api/models', await publishBody('1.0.0'), auth());
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe('conflict');
  });

  it('names the newest publish as latest', async () => {
    expect((await postJson('/api/models', await publishBody('1.0.0'), auth())).status).toBe(201);
    await new Promise((r) => setTimeout(r, 5));
    expect((await postJson('/api/models', await publishBody('1.1.0'), auth())).status).toBe(201);
    expect(((await (await api('/api/models/latest')).json()) as LatestModel).version).toBe('1.1.0');
    const health = (await (await api('/api/health')).json()) as { modelVersion: string; lastPublishedAt: string };
    expect(health.modelVersion).toBe('1.1.0');
    expect(health.lastPublishedAt).toMatch(/^\d{4}-/);
  });
});
