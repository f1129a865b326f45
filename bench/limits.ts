/**
 * `npm run bench:limits -- [--url URL] [--flood-seconds N] [--versions N]`: measures issue 9's limits
 * against a running Pawlens (`npm start`), or a wrangler dev it starts on a temporary D1/R2 with the
 * shipped model active. Prints one JSON object:
 * - labels: the size of /api/metrics and /api/performance before and after posting feedback and
 *   telemetry for N made-up model versions (sent as many clients, so rate limits do not interfere);
 * - flood: one client posts as fast as it can for N seconds while a second client on the same
 *   address sends a batch a second (waiting out any Retry-After); counts of 200s and 429s, whether
 *   all of the second client's items landed, and whether every accepted item is stored exactly once
 *   (the feedback count grew by the number accepted, and every accepted id sent again is a duplicate).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BatchResult, Health } from '../edge/src/contract.ts';
import { ROOT, applyMigrations, startDevServer, type DevServer } from '../scripts/dev-server.ts';
import { publishIfNoneActive } from '../training/src/publish.ts';
import { benchProgram, integerFrom, parseFlags } from './cli.ts';

const opts = parseFlags<{ url?: string; floodSeconds: number; versions: number }>(
  benchProgram('bench:limits', 'Measures bounded labels and rate limits against a running Pawlens, or one it starts; prints one JSON object.')
    .option('--url <url>', 'a running Pawlens (npm start); default: start one on a temporary D1/R2')
    .option('--flood-seconds <n>', 'how long the flood lasts', integerFrom(1), 30)
    .option('--versions <n>', 'how many made-up model versions to post', integerFrom(1), 3000)
);

const LABELS = ['cat', 'dog', 'neither'] as const;
const randomIp = () => `2001:db8:${randomUUID().slice(0, 4)}::${randomUUID().slice(0, 4)}`;
const feedback = (modelVersion: string, i: number) => ({
  id: randomUUID(),
  modelVersion,
  predicted: LABELS[i % 3]!,
  confidence: 0.8,
  actual: LABELS[Math.floor(i / 3) % 3]!,
  createdAt: new Date().toISOString()
});
const telemetry = (modelVersion: string, i: number) => ({
  id: randomUUID(),
  modelVersion,
  backend: i % 2 ? 'wasm' : 'webgl',
  latencyMs: 20 + (i % 50),
  userAgentClass: 'desktop'
});

async function post(url: string, kind: 'feedback' | 'telemetry', items: unknown[], headers: Record<string, string>) {
  const res = await fetch(`${url}/api/${kind}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ items })
  });
  const body: unknown = await res.json();
  return { status: res.status, retryAfterS: Number(res.headers.get('retry-after') ?? 0), body: res.ok ? BatchResult.parse(body) : null };
}

const sizeOf = async (url: string, path: string) => {
  const t0 = performance.now();
  const text = await (await fetch(`${url}${path}`)).text();
  return { bytes: Buffer.byteLength(text), ms: Math.round(performance.now() - t0) };
};
const feedbackCount = async (url: string) => Health.parse(await (await fetch(`${url}/api/health`)).json()).feedbackCount ?? 0;

async function labels(url: string, versions: number) {
  const shipped = Health.parse(await (await fetch(`${url}/api/health`)).json()).modelVersion!;
  // Everyday use of the shipped model first: every confusion cell, two backends.
  await post(url, 'feedback', Array.from({ length: 90 }, (_, i) => feedback(shipped, i)), { 'cf-connecting-ip': randomIp() });
  await post(url, 'telemetry', Array.from({ length: 90 }, (_, i) => telemetry(shipped, i)), { 'cf-connecting-ip': randomIp() });
  const before = { metrics: await sizeOf(url, '/api/metrics'), performance: await sizeOf(url, '/api/performance') };
  for (let v = 0; v < versions; v += 100) {
    const names = Array.from({ length: Math.min(100, versions - v) }, (_, i) => `made-up-${v + i}-${randomUUID().slice(0, 8)}`);
    await post(url, 'feedback', names.map((n, i) => feedback(n, v + i)), { 'cf-connecting-ip': randomIp() });
    await post(url, 'telemetry', names.map((n, i) => telemetry(n, v + i)), { 'cf-connecting-ip': randomIp() });
  }
  const after = { metrics: await sizeOf(url, '/api/metrics'), performance: await sizeOf(url, '/api/performance') };
  return {
    versionsPosted: versions,
    before,
    after,
    ratio: { metrics: after.metrics.bytes / before.metrics.bytes, performance: after.performance.bytes / before.performance.bytes }
  };
}

async function flood(url: string, seconds: number) {
  const ip = randomIp();
  const a = { 'cf-connecting-ip': ip, 'x-install-id': randomUUID() };
  const b = { 'cf-connecting-ip': ip, 'x-install-id': randomUUID() };
  const countBefore = await feedbackCount(url);
  const end = Date.now() + seconds * 1000;
  const accepted: string[] = [];
  const flooder = { ok: 0, limited: 0, other: 0 };
  const second = { sent: 0, landed: 0, limited: 0, batches: 0 };
  const floodLoop = async () => {
    while (Date.now() < end) {
      const r = await post(url, 'feedback', [feedback('flood', flooder.ok)], a);
      if (r.status === 200) {
        flooder.ok++;
        accepted.push(...r.body!.accepted);
      } else if (r.status === 429) flooder.limited++;
      else flooder.other++;
    }
  };
  const secondClient = async () => {
    while (Date.now() < end) {
      const items = Array.from({ length: 5 }, (_, i) => feedback('second-client', i));
      second.sent += items.length;
      second.batches++;
      for (;;) {
        const r = await post(url, 'feedback', items, b);
        if (r.status === 200) {
          second.landed += r.body!.accepted.length + r.body!.duplicates.length;
          accepted.push(...r.body!.accepted);
          break;
        }
        second.limited++;
        await new Promise((ok) => setTimeout(ok, (r.retryAfterS || 1) * 1000));
      }
      await new Promise((ok) => setTimeout(ok, 1000));
    }
  };
  await Promise.all([...Array.from({ length: 8 }, floodLoop), secondClient()]);
  const grown = (await feedbackCount(url)) - countBefore;
  // Every accepted id again: each must come back as a duplicate (stored, and only once).
  let duplicates = 0;
  for (let i = 0; i < accepted.length; i += 100) {
    const ids = accepted.slice(i, i + 100);
    const r = await post(url, 'feedback', ids.map((id) => ({ ...feedback('recheck', 0), id })), { 'cf-connecting-ip': randomIp() });
    duplicates += r.body?.duplicates.length ?? 0;
  }
  return {
    seconds,
    flooder,
    secondClient: { ...second, allLanded: second.landed === second.sent },
    accepted: accepted.length,
    feedbackCountGrew: grown,
    resentAcceptedCameBackDuplicate: duplicates,
    storedExactlyOnce: grown === accepted.length && duplicates === accepted.length
  };
}

let server: DevServer | undefined;
let state: string | undefined;
try {
  let url = opts.url?.replace(/\/$/, '');
  if (!url) {
    state = mkdtempSync(join(tmpdir(), 'pawlens-limits-'));
    applyMigrations(state);
    server = await startDevServer({ persistTo: state, vars: { ADMIN_TOKEN: 'bench-limits' } });
    await publishIfNoneActive({ url: server.url, modelDir: resolve(ROOT, 'model'), token: 'bench-limits' });
    url = server.url;
  }
  const load = (await import('node:os')).loadavg().map((l) => Math.round(l * 100) / 100);
  const labelFigures = await labels(url, opts.versions);
  const floodFigures = await flood(url, opts.floodSeconds);
  console.log(JSON.stringify({ bench: 'limits', url, loadavgAtStart: load, labels: labelFigures, flood: floodFigures }));
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  process.exitCode = 1;
} finally {
  await server?.stop();
  if (state) rmSync(state, { recursive: true, force: true });
}
