import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { Health, LatestModel, ModelList, PublishResult } from '../../edge/src/contract';
import { ADMIN_TOKEN, SHARD, api, auth, errorOf, metadataJson, modelJson, postJson, publish, publishBody, rowCount } from './helpers';

const latestVersion = async () => {
  const res = await api('/api/models/latest');
  return res.status === 404 ? null : ((await res.json()) as LatestModel).version;
};
const health = async () => (await (await api('/api/health')).json()) as Health;
const list = async () => ((await (await api('/api/models', { headers: auth() })).json()) as ModelList).models;
const action = (version: string, what: 'activate' | 'withdraw', headers: Record<string, string> = auth()) => postJson(`/api/models/${version}/${what}`, {}, headers);

async function expectNothingStored() {
  expect(await rowCount(env.DB, 'models')).toBe(0);
  expect((await env.MODELS.list()).objects).toHaveLength(0);
}

describe('POST /api/models (publish)', () => {
  it('refuses without a token, with a wrong token and with another scheme: 401, nothing stored', async () => {
    const body = await publishBody('1.0.0');
    for (const headers of [{}, auth('wrong-token'), auth(`${ADMIN_TOKEN}x`), { authorization: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` }]) {
      const res = await postJson('/api/models', body, headers);
      expect(res.status).toBe(401);
      expect((await errorOf(res)).code).toBe('unauthorized');
    }
    await expectNothingStored();
  });

  it('rejects a file whose sha256 does not match with 400 and stores nothing', async () => {
    const body = await publishBody('1.0.0');
    body.files[1]!.sha256 = body.files[0]!.sha256;
    const res = await postJson('/api/models', body, auth());
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: 'validation_failed', field: 'files.1.sha256' });
    await expectNothingStored();
    expect((await api('/api/models/latest')).status).toBe(404);
  });

  const invalid: { name: string; body: () => ReturnType<typeof publishBody>; field: string; message: RegExp }[] = [
    { name: 'no model.json', body: () => publishBody('1.0.0', { 'model.json': undefined }), field: 'files', message: /model\.json is required/ },
    { name: 'no metadata.json', body: () => publishBody('1.0.0', { 'metadata.json': undefined }), field: 'files', message: /metadata\.json is required/ },
    { name: 'model.json that is not JSON', body: () => publishBody('1.0.0', { 'model.json': 'not json {' }), field: 'files.0', message: /model\.json: is not JSON/ },
    {
      name: 'model.json that is not a model',
      body: () => publishBody('1.0.0', { 'model.json': { hello: 'world' } }),
      field: 'files.0',
      message: /model\.json: not a tfjs layers-model: modelTopology/
    },
    {
      name: 'a graph-model instead of a layers-model',
      body: () => publishBody('1.0.0', { 'model.json': { ...modelJson(), format: 'graph-model' } }),
      field: 'files.0',
      message: /model\.json: not a tfjs layers-model: format/
    },
    {
      name: 'a weight shard that was not uploaded',
      body: () => publishBody('1.0.0', { 'model.json': modelJson(['group1-shard1of2.bin', 'group1-shard2of2.bin']), 'group1-shard1of2.bin': SHARD }),
      field: 'files.0',
      message: /weight shard group1-shard2of2\.bin is not among the files/
    },
    {
      name: 'metadata.json for another version',
      body: () => publishBody('1.0.0', { 'metadata.json': metadataJson('1.0.1') }),
      field: 'files.2',
      message: /metadata\.json: version 1\.0\.1 differs from the published version 1\.0\.0/
    },
    {
      name: 'metadata.json without labels',
      body: () => publishBody('1.0.0', { 'metadata.json': { ...metadataJson('1.0.0'), labels: undefined } }),
      field: 'files.2',
      message: /metadata\.json: labels/
    },
    { name: 'the reserved version "other"', body: () => publishBody('other'), field: 'version', message: /reserved/ }
  ];

  it.each(invalid)('rejects $name with a 400 naming the problem, storing nothing', async ({ body, field, message }) => {
    const res = await postJson('/api/models', await body(), auth());
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error).toMatchObject({ code: 'validation_failed', field });
    expect(error.message).toMatch(message);
    await expectNothingStored();
  });

  it('publishes and serves immutable files with ETags, but does not make the version latest', async () => {
    const body = await publishBody('1.0.0');
    const res = await postJson('/api/models', body, auth());
    expect(res.status).toBe(201);
    expect(((await res.json()) as PublishResult).state).toBe('inactive');
    expect(await latestVersion()).toBeNull();

    const shard = await api('/api/models/1.0.0/group1-shard1of1.bin');
    expect(shard.status).toBe(200);
    expect(shard.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(shard.headers.get('content-type')).toBe('application/octet-stream');
    expect(shard.headers.get('etag')).toBe(`"${body.files[1]!.sha256}"`);
    expect([...new Uint8Array(await shard.arrayBuffer())]).toEqual([...SHARD]);

    const manifest = await api('/api/models/1.0.0/model.json');
    expect(manifest.headers.get('content-type')).toBe('application/json');
    expect(await manifest.json()).toEqual(modelJson());

    const cached = await api('/api/models/1.0.0/group1-shard1of1.bin', { headers: { 'if-none-match': `"${body.files[1]!.sha256}"` } });
    expect(cached.status).toBe(304);
  });

  it('makes a version latest when published with activate', async () => {
    const res = await postJson('/api/models', await publishBody('1.0.0', {}, { activate: true }), auth());
    expect(((await res.json()) as PublishResult).state).toBe('active');
    const latest = (await (await api('/api/models/latest')).json()) as LatestModel;
    expect(latest.version).toBe('1.0.0');
    expect(latest.metrics).toEqual({ accuracy: 0.985 });
    expect(latest.files.map((f) => f.path).sort()).toEqual(['group1-shard1of1.bin', 'metadata.json', 'model.json']);
  });

  it('keeps versions immutable: publishing the same version again is a 409 and changes nothing', async () => {
    await publish('1.0.0');
    await publish('1.1.0', true);
    const again = await postJson('/api/models', await publishBody('1.0.0', {}, { activate: true }), auth());
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe('conflict');
    expect(await latestVersion()).toBe('1.1.0');
  });
});

describe('model lifecycle', () => {
  it('latest is the version an admin made active, not the last or highest one published', async () => {
    await publish('99.0.6', true);
    await publish('0.0.1');
    expect(await latestVersion()).toBe('99.0.6');
    expect((await health()).modelVersion).toBe('99.0.6');
    expect((await action('0.0.1', 'activate')).status).toBe(200);
    expect(await latestVersion()).toBe('0.0.1');
    expect((await health()).modelVersion).toBe('0.0.1');
    expect((await list()).map((m) => [m.version, m.state])).toEqual([
      ['0.0.1', 'active'],
      ['99.0.6', 'inactive']
    ]);
  });

  it('withdraws a version: never offered again; with none active, health names the shipped model', async () => {
    const shipped = (await health()).modelVersion;
    await publish('1.0.0', true);
    const res = await action('1.0.0', 'withdraw');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ version: '1.0.0', state: 'withdrawn', percent: 0 });
    expect((await api('/api/models/latest')).status).toBe(404);
    expect((await health()).modelVersion).toBe(shipped);
    expect((await list())[0]).toMatchObject({ version: '1.0.0', state: 'withdrawn', bytes: expect.any(Number) });
    // Its files stay where they were (immutable URLs, caches stay valid) ...
    expect((await api('/api/models/1.0.0/model.json')).status).toBe(200);
    // ... and an admin can bring it back.
    expect((await action('1.0.0', 'activate')).status).toBe(200);
    expect(await latestVersion()).toBe('1.0.0');
  });

  it('keeps at most one version active', async () => {
    await publish('1.0.0', true);
    await publish('1.1.0', true);
    await action('1.0.0', 'activate');
    await action('1.0.0', 'activate');
    const active = (await list()).filter((m) => m.state === 'active');
    expect(active.map((m) => m.version)).toEqual(['1.0.0']);
  });

  it('answers 404 for an unknown version and changes nothing', async () => {
    await publish('1.0.0', true);
    for (const what of ['activate', 'withdraw'] as const) {
      const res = await action('9.9.9', what);
      expect(res.status).toBe(404);
      expect((await errorOf(res)).code).toBe('not_found');
    }
    expect(await latestVersion()).toBe('1.0.0');
  });

  it('needs the admin token to list, activate and withdraw', async () => {
    await publish('1.0.0', true);
    expect((await api('/api/models')).status).toBe(401);
    expect((await api('/api/models', { headers: auth('nope') })).status).toBe(401);
    for (const what of ['activate', 'withdraw'] as const) {
      expect((await action('1.0.0', what, {})).status).toBe(401);
      expect((await action('1.0.0', what, auth('nope'))).status).toBe(401);
    }
    expect(await latestVersion()).toBe('1.0.0');
  });
});
