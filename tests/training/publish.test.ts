import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatestModel } from '../../edge/src/contract.ts';
import { readMetadata } from '../../training/src/metadata.ts';
import { publishModel, publishRequest } from '../../training/src/publish.ts';
import { applyMigrations, startDevServer, type DevServer } from '../../scripts/dev-server.ts';

const MODEL = resolve(import.meta.dirname, '../../model');
const TOKEN = 'test-admin-token-0123456789';

describe('publish model/ to the edge API (real wrangler dev)', () => {
  const state = mkdtempSync(join(tmpdir(), 'pawlens-publish-'));
  let server: DevServer;
  beforeAll(async () => {
    applyMigrations(state);
    server = await startDevServer({ persistTo: state, vars: { ADMIN_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(state, { recursive: true, force: true });
  });

  it('the request carries every listed file plus metadata.json', () => {
    const req = publishRequest(MODEL);
    const meta = readMetadata(MODEL);
    expect(req.version).toBe(meta.version);
    expect(req.files.map((f) => f.path).sort()).toEqual([...meta.files.map((f) => f.path), 'metadata.json'].sort());
  });

  it('publishes, then /api/models/latest serves it; a wrong token and a republish are refused', async () => {
    await expect(publishModel({ url: server.url, modelDir: MODEL, token: 'wrong' })).rejects.toThrow(/401/);
    const res = await publishModel({ url: server.url, modelDir: MODEL, token: TOKEN, activate: true });
    const meta = readMetadata(MODEL);
    expect(res).toMatchObject({ version: meta.version, state: 'active' });
    const latest = LatestModel.parse(await (await fetch(`${server.url}/api/models/latest`)).json());
    expect(latest.version).toBe(meta.version);
    expect(latest.metrics?.accuracy).toBe(meta.metrics.accuracy);
    const shard = meta.files.find((f) => f.path.endsWith('.bin'))!;
    const bytes = new Uint8Array(await (await fetch(`${server.url}/api/models/${meta.version}/${shard.path}`)).arrayBuffer());
    expect(bytes.byteLength).toBe(shard.bytes);
    await expect(publishModel({ url: server.url, modelDir: MODEL, token: TOKEN })).rejects.toThrow(/409/);
  });
});
