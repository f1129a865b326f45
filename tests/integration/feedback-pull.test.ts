/**
 * `npm run feedback -- pull` against a real local server (wrangler dev, temp D1/R2), fed through the
 * real API: feedback items, their photos (PUT /api/feedback/:id/photo) and review actions. Checks the
 * folder and manifest, and that a second run is idempotent: it keeps good files, fetches a damaged one
 * again, moves a relabelled one and removes one rejected since.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedbackItem, Label, ReviewAction } from '../../edge/src/contract.ts';
import { applyMigrations, startDevServer, type DevServer } from '../../scripts/dev-server.ts';
import { sha256Hex } from '../../training/src/data/fingerprint.ts';
import { parseManifest } from '../../training/src/feedback/plan.ts';
import { runScript } from '../cli-run.ts';
import { haveShared } from '../shared-data.ts';
import { SMOKE, smokeFiles } from '../training/helpers.ts';

const TOKEN = 'pull-admin-token-0123456789';

describe.skipIf(!haveShared(SMOKE))('npm run feedback -- pull (real wrangler dev)', () => {
  const work = mkdtempSync(join(tmpdir(), 'pawlens-pull-'));
  const out = join(work, 'feedback-data');
  let server: DevServer;
  const photos = { approved: randomUUID(), relabelled: randomUUID(), pending: randomUUID(), rejected: randomUUID() };
  const bytesOf: Record<string, Buffer> = {};

  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...(body instanceof Uint8Array ? { 'content-type': 'image/jpeg' } : { 'content-type': 'application/json' }), ...headers },
      body: body instanceof Uint8Array ? new Blob([body as Uint8Array<ArrayBuffer>]) : body === undefined ? undefined : JSON.stringify(body)
    });
    expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBeLessThan(300);
    return res;
  };
  const review = (id: string, action: ReviewAction) => api('POST', `/api/review/${id}`, action, { authorization: `Bearer ${TOKEN}` });
  const pull = (...flags: string[]) => runScript('training/src/cli.ts', 'feedback', 'pull', '--url', server.url, '--out', out, ...flags);
  const summary = (r: { stdout: string }) => r.stdout.trim().split('\n').pop();
  const file = (label: Label, id: string) => join(out, label, `${id}.jpg`);

  beforeAll(async () => {
    process.env.ADMIN_TOKEN = TOKEN;
    applyMigrations(join(work, 'state'));
    mkdirSync(join(work, 'assets'));
    server = await startDevServer({ persistTo: join(work, 'state'), assets: join(work, 'assets'), vars: { ADMIN_TOKEN: TOKEN } });
    const said: Record<string, Label> = { approved: 'cat', relabelled: 'dog', pending: 'dog', rejected: 'cat' };
    const items: FeedbackItem[] = Object.entries(photos).map(([name, id], i) => ({
      id,
      modelVersion: '2026.11.27-72a180',
      predicted: 'dog',
      confidence: 0.9,
      actual: said[name]!,
      createdAt: new Date(Date.UTC(2026, 10, 1, 12, i)).toISOString()
    }));
    await api('POST', '/api/feedback', { items });
    for (const [i, [name, id]] of Object.entries(photos).entries()) {
      bytesOf[id] = readFileSync(smokeFiles(said[name] === 'dog' ? 'dog' : 'cat')[i]!);
      await api('PUT', `/api/feedback/${id}/photo`, new Uint8Array(bytesOf[id]));
    }
    await review(photos.approved, { action: 'approve' });
    await review(photos.relabelled, { action: 'relabel', label: 'neither' });
    await review(photos.rejected, { action: 'reject' });
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('downloads the approved photos under their training label, with a manifest', async () => {
    const r = await pull();
    expect(r.status, r.stderr).toBe(0);
    expect(summary(r)).toBe(`${out}: 2 new, 0 kept, 0 moved, 0 removed, 0 failed`);
    expect(readFileSync(file('cat', photos.approved))).toEqual(bytesOf[photos.approved]);
    expect(readFileSync(file('neither', photos.relabelled))).toEqual(bytesOf[photos.relabelled]);
    expect(readdirSync(join(out, 'dog'))).toEqual([]);
    const rows = parseManifest(readFileSync(join(out, 'manifest.csv'), 'utf8'));
    expect(rows.map((r) => [r.id, r.label, r.user_label, r.model_version, r.predicted, r.confidence])).toEqual([
      [photos.approved, 'cat', 'cat', '2026.11.27-72a180', 'dog', '0.9'],
      [photos.relabelled, 'neither', 'dog', '2026.11.27-72a180', 'dog', '0.9']
    ]);
    expect(rows[0]!.sha256).toBe(sha256Hex(bytesOf[photos.approved]!));
    expect(rows[0]!.created).toBe('2026-11-01T12:00:00.000Z');
  });

  it('a second run keeps what it has, fetches a damaged file again, moves a relabelled photo, removes a rejected one', async () => {
    expect(summary(await pull())).toBe(`${out}: 0 new, 2 kept, 0 moved, 0 removed, 0 failed`);

    writeFileSync(file('cat', photos.approved), 'damaged');
    expect(summary(await pull())).toBe(`${out}: 1 new (1 replacing a damaged file), 1 kept, 0 moved, 0 removed, 0 failed`);
    expect(readFileSync(file('cat', photos.approved))).toEqual(bytesOf[photos.approved]);

    await review(photos.approved, { action: 'relabel', label: 'dog' });
    await review(photos.relabelled, { action: 'reject' });
    expect(summary(await pull())).toBe(`${out}: 0 new, 0 kept, 1 moved, 1 removed, 0 failed`);
    expect(existsSync(file('cat', photos.approved))).toBe(false);
    expect(readFileSync(file('dog', photos.approved))).toEqual(bytesOf[photos.approved]);
    expect(existsSync(file('neither', photos.relabelled))).toBe(false);
    expect(parseManifest(readFileSync(join(out, 'manifest.csv'), 'utf8')).map((r) => [r.id, r.label])).toEqual([[photos.approved, 'dog']]);
  });

  it("--all adds pending photos with the person's label; --since keeps what the folder holds", async () => {
    expect(summary(await pull('--all'))).toBe(`${out}: 1 new, 1 kept, 0 moved, 0 removed, 0 failed`);
    expect(readFileSync(file('dog', photos.pending))).toEqual(bytesOf[photos.pending]);
    expect(summary(await pull('--since', '2999-01-01'))).toBe(`${out}: 0 new, 0 kept, 0 moved, 0 removed, 0 failed`);
    expect(parseManifest(readFileSync(join(out, 'manifest.csv'), 'utf8'))).toHaveLength(2);
    expect(summary(await pull())).toBe(`${out}: 0 new, 1 kept, 0 moved, 1 removed, 0 failed`);
  });

  it('with a wrong admin token: one line, nothing changed', async () => {
    const before = readdirSync(join(out, 'dog'));
    process.env.ADMIN_TOKEN = 'wrong';
    const refused = await pull().finally(() => (process.env.ADMIN_TOKEN = TOKEN));
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim()).toMatch(/^error: GET \/api\/review: HTTP 401 unauthorized/);
    expect(readdirSync(join(out, 'dog'))).toEqual(before);
  });
});
