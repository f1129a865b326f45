/**
 * `npm run bench:api`: autocannon against a wrangler dev it starts on a temp D1/R2.
 * POST /api/feedback with batches of 20 fresh items, then GET /api/health; prints one JSON object.
 *   --duration S  --connections N  (defaults: $BENCH_DURATION_S or 10, $BENCH_CONNECTIONS or 10)
 */
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMigrations, startDevServer } from '../scripts/dev-server.ts';
import { cliProgram, integerFrom, parseFlags } from '../scripts/cli.ts';

const { duration: DURATION_S, connections: CONNECTIONS } = parseFlags<{ duration: number; connections: number }>(
  cliProgram('bench:api', 'Load-tests the edge API (wrangler dev on a temporary D1/R2) with autocannon; prints one JSON object.')
    .option('--duration <s>', 'seconds per endpoint', integerFrom(1), Number(process.env.BENCH_DURATION_S ?? 10))
    .option('--connections <n>', 'concurrent connections', integerFrom(1), Number(process.env.BENCH_CONNECTIONS ?? 10))
);

const batch = () =>
  JSON.stringify({
    items: Array.from({ length: 20 }, (_, i) => ({
      id: randomUUID(),
      modelVersion: 'bench',
      predicted: i % 2 ? 'dog' : 'cat',
      confidence: 0.9,
      actual: i % 3 ? 'cat' : 'dog',
      createdAt: new Date().toISOString(),
      latencyMs: 20 + i,
      backend: 'wasm'
    }))
  });

async function load(url: string, opts: Partial<autocannon.Options>) {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, ...opts });
  return {
    reqPerSec: r.requests.average,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
    requests: r.requests.total,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx
  };
}

const persistTo = mkdtempSync(join(tmpdir(), 'pawlens-bench-'));
applyMigrations(persistTo);
const server = await startDevServer({ persistTo });
try {
  await load(`${server.url}/api/health`, { duration: 2 }); // warm-up, not reported
  const feedback = await load(`${server.url}/api/feedback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // Each request from its own made-up client address (wrangler dev keeps a given CF-Connecting-IP):
    // this measures the write path with the rate limiter in it, not the limiter refusing one client.
    requests: [{ setupRequest: (req) => ({ ...req, body: batch(), headers: { ...req.headers, 'cf-connecting-ip': `2001:db8::${randomUUID().slice(0, 8)}` } }) }]
  });
  const health = await load(`${server.url}/api/health`, {});
  const stored = (await (await fetch(`${server.url}/api/health`)).json()) as { feedbackCount: number };
  console.log(
    JSON.stringify({
      bench: 'api',
      machine: { cpus: cpus().length, node: process.version },
      connections: CONNECTIONS,
      durationS: DURATION_S,
      postFeedbackBatch20: { ...feedback, itemsStored: stored.feedbackCount },
      getHealth: health
    })
  );
} finally {
  await server.stop();
  rmSync(persistTo, { recursive: true, force: true });
}
