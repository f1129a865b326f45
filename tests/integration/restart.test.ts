/** The real `wrangler dev` keeps feedback across a restart (local persistence, nothing lost). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BatchResult, Health, Performance } from '../../edge/src/contract';
import { applyMigrations, startDevServer, type DevServer } from '../../scripts/dev-server';

const persistTo = mkdtempSync(join(tmpdir(), 'pawlens-restart-'));
let server: DevServer | undefined;

afterAll(async () => {
  await server?.stop();
  rmSync(persistTo, { recursive: true, force: true });
});

const item = (i: number, modelVersion: string) => ({
  id: crypto.randomUUID(),
  modelVersion,
  predicted: i % 2 ? 'dog' : 'cat',
  confidence: 0.9,
  actual: 'cat',
  createdAt: new Date().toISOString()
});

describe('wrangler dev with --persist-to', () => {
  it('finds the feedback of a previous run after a restart', async () => {
    applyMigrations(persistTo);
    server = await startDevServer({ persistTo });
    // The shipped model's version: performance names only known versions.
    const shipped = ((await (await fetch(`${server.url}/api/health`)).json()) as Health).modelVersion!;
    const items = Array.from({ length: 7 }, (_, i) => item(i, shipped));
    const res = await fetch(`${server.url}/api/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items })
    });
    expect(((await res.json()) as BatchResult).accepted).toHaveLength(7);
    await server.stop();

    server = await startDevServer({ persistTo });
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as Health;
    expect(health.feedbackCount).toBe(7);
    const perf = (await (await fetch(`${server.url}/api/performance?modelVersion=${shipped}`)).json()) as Performance;
    expect(perf.versions[0]?.confusion.cat).toEqual({ cat: 4, dog: 3, neither: 0 });
    // Sending the same batch again after the restart stores nothing twice.
    const again = await fetch(`${server.url}/api/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items })
    });
    expect(((await again.json()) as BatchResult).duplicates).toHaveLength(7);
  });

  it('serves the PWA and the API on one origin', async () => {
    const page = await fetch(`${server!.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const missing = await fetch(`${server!.url}/api/missing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
