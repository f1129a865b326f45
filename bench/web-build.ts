/**
 * bench:web's builds: the PWA built once per model (`PAWLENS_MODEL_DIR`, as a release would ship it),
 * each copied out of build/web so that two can be served side by side.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT } from '../scripts/dev-server.ts';
import { BUILD } from '../tests/e2e/harness.ts';

/** Builds the app shipping `modelDir` and returns a temporary copy of the build (the caller removes it). */
export function buildWithModel(modelDir: string): string {
  const vite = resolve(ROOT, 'node_modules/.bin/vite');
  // stdout stays free for the bench's JSON; build errors go to stderr.
  const r = spawnSync(vite, ['build', '--logLevel', 'error'], {
    cwd: ROOT,
    env: { ...process.env, PAWLENS_MODEL_DIR: modelDir },
    stdio: ['ignore', 'ignore', 'inherit']
  });
  if (r.status !== 0) throw new Error(`vite build with PAWLENS_MODEL_DIR=${modelDir} failed (exit ${r.status ?? r.signal})`);
  const copy = mkdtempSync(join(tmpdir(), 'pawlens-bench-web-'));
  cpSync(BUILD, copy, { recursive: true });
  return copy;
}

/** Bytes the service worker precaches in the background on the first visit (uncompressed). */
export function precacheBytes(build: string): number {
  const sw = readFileSync(join(build, 'service-worker.js'), 'utf8');
  const urls = [...sw.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]!);
  const file = (u: string) => (u === '/' ? 'index.html' : /\.[a-z0-9]+$/i.test(u) ? u : `${u}.html`);
  return urls.reduce((n, u) => n + statSync(join(build, file(u))).size, 0);
}
