/**
 * `npm run smoke -- --url URL`: checks a running Pawlens end to end, deployed or `npm start`: health,
 * the app shell and its security headers, the service worker and manifest, the shipped model's and
 * the active model's files against their sha256, and one feedback round trip. The feedback item is
 * marked as a smoke item by its model version `smoke-test`, which no model has, so it is counted
 * under `other` and never in a real version's figures.
 */
import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { BatchResult, Health, LatestModel, ModelMetadata, type ModelFile } from '../edge/src/contract.ts';
import { sha256Hex } from '../edge/src/sha256.ts';

const SMOKE_VERSION = 'smoke-test';

type Check = { name: string; run: (url: string) => Promise<string> };

async function get(url: string, path: string, init?: RequestInit): Promise<Response> {
  const res = await fetch(new URL(path, url), init);
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: HTTP ${res.status}`);
  return res;
}

async function verifyFiles(url: string, files: ModelFile[], fileUrl: (f: ModelFile) => string): Promise<number> {
  let bytes = 0;
  for (const f of files) {
    const data = await (await get(url, fileUrl(f))).arrayBuffer();
    const actual = await sha256Hex(data);
    if (actual !== f.sha256) throw new Error(`${fileUrl(f)}: sha256 ${actual} is not the listed ${f.sha256}`);
    bytes += data.byteLength;
  }
  return bytes;
}

const CHECKS: Check[] = [
  {
    name: 'health',
    run: async (url) => {
      const h = Health.parse(await (await get(url, '/api/health')).json());
      if (h.status !== 'ok' || h.db !== 'ok') throw new Error(`status ${h.status}, db ${h.db}`);
      return `ok, D1 reachable, model ${h.modelVersion ?? 'none'}, ${h.feedbackCount} feedback items`;
    }
  },
  {
    name: 'app shell',
    run: async (url) => {
      const res = await get(url, '/');
      const html = await res.text();
      if (!/text\/html/.test(res.headers.get('content-type') ?? '') || !html.includes('<html')) throw new Error('/ is not the app page');
      const csp = res.headers.get('content-security-policy');
      if (!csp?.includes("frame-ancestors 'none'") || res.headers.get('cross-origin-embedder-policy') !== 'require-corp') {
        throw new Error('/ lacks the security headers (build/web/_headers)');
      }
      return `${html.length} B of HTML with CSP and COOP/COEP`;
    }
  },
  {
    name: 'service worker',
    run: async (url) => {
      const sw = await get(url, '/service-worker.js');
      if (!/javascript/.test(sw.headers.get('content-type') ?? '')) throw new Error('/service-worker.js is not JavaScript');
      const manifest = (await (await get(url, '/manifest.webmanifest')).json()) as { name?: string };
      return `service-worker.js (${(await sw.text()).length} B) and manifest "${manifest.name}"`;
    }
  },
  {
    name: 'shipped model',
    run: async (url) => {
      const meta = ModelMetadata.parse(await (await get(url, '/model/metadata.json')).json());
      const bytes = await verifyFiles(url, meta.files, (f) => `/model/${f.path}`);
      return `${meta.version}: ${meta.files.length} files, ${bytes} B, sha256 verified`;
    }
  },
  {
    name: 'active model',
    run: async (url) => {
      const res = await fetch(new URL('/api/models/latest', url));
      if (res.status === 404) return 'none active: clients use the shipped model';
      if (!res.ok) throw new Error(`GET /api/models/latest: HTTP ${res.status}`);
      const latest = LatestModel.parse(await res.json());
      const bytes = await verifyFiles(url, latest.files, (f) => `/api/models/${latest.version}/${f.path}`);
      return `${latest.version}: ${latest.files.length} files, ${bytes} B, sha256 verified`;
    }
  },
  {
    name: 'feedback round trip',
    run: async (url) => {
      const item = {
        id: randomUUID(),
        modelVersion: SMOKE_VERSION,
        predicted: 'cat',
        confidence: 0.5,
        actual: 'cat',
        createdAt: new Date().toISOString()
      };
      const post = async () =>
        BatchResult.parse(
          await (
            await get(url, '/api/feedback', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [item] }) })
          ).json()
        );
      const first = await post();
      if (!first.accepted.includes(item.id)) throw new Error('the smoke item was not accepted');
      const again = await post();
      if (!again.duplicates.includes(item.id)) throw new Error('the smoke item sent again was not reported as a duplicate');
      return `item ${item.id} (model version ${SMOKE_VERSION}) stored once`;
    }
  }
];

/** Runs every check; returns how many failed (all of them when the server cannot be reached). */
async function smoke(url: string, log: (line: string) => void = console.log): Promise<number> {
  let failed = 0;
  for (const check of CHECKS) {
    try {
      log(`ok    ${check.name}: ${await check.run(url)}`);
    } catch (e) {
      failed++;
      const err = e as Error;
      // fetch's network errors carry the reason (ECONNREFUSED, DNS ...) as their cause.
      const cause = err.cause as (Error & { code?: string }) | undefined;
      if (cause) {
        log(`FAIL  ${check.name}: cannot reach ${url} (${cause.code ?? cause.message}); is the server running?`);
        return CHECKS.length;
      }
      log(`FAIL  ${check.name}: ${err.message}`);
    }
  }
  return failed;
}

const program = new Command('smoke')
  .description('Check a running Pawlens end to end (deployed, or npm start).')
  .requiredOption('--url <url>', 'the Pawlens base URL, e.g. http://127.0.0.1:8787')
  .action(async ({ url }: { url: string }) => {
    try {
      new URL(url);
    } catch {
      throw new Error(`--url ${url} is not a URL`);
    }
    const failed = await smoke(url);
    if (failed > 0) throw new Error(`smoke test failed: ${failed} of ${CHECKS.length} checks against ${url}`);
    console.log(`smoke test OK: all ${CHECKS.length} checks against ${url}`);
  });
program.parseAsync().catch((e: Error) => {
  console.error(`error: ${e.message}`);
  process.exit(1);
});
