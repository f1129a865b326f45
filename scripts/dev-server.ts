/**
 * Runs the real edge worker locally (wrangler dev: workerd + local D1/R2 + the built PWA as assets).
 * Used by `npm start`, the integration and browser tests, and the benchmarks.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
const WRANGLER = resolve(ROOT, 'node_modules/.bin/wrangler');

/** Keeps wrangler offline: no metrics, no `Request.cf` lookups. */
export const WRANGLER_ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  NO_UPDATE_NOTIFIER: '1'
};

export interface DevServer {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  port?: number;
  /** Local D1/R2 state folder; wrangler's default `.wrangler/state` when absent. */
  persistTo?: string;
  /** Static assets folder instead of wrangler.toml's `build/web` (bench:web serves one build per model). */
  assets?: string;
  /** Extra worker vars (e.g. ADMIN_TOKEN for tests); `.dev.vars` supplies them otherwise. */
  vars?: Record<string, string>;
  /** Pass wrangler's output through (npm start) instead of keeping it for error messages. */
  inheritOutput?: boolean;
  readyTimeoutMs?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? ok(addr.port) : fail(new Error('no port'))));
    });
  });
}

export function applyMigrations(persistTo?: string): void {
  const args = ['d1', 'migrations', 'apply', 'DB', '--local', ...(persistTo ? ['--persist-to', persistTo] : [])];
  const r = spawnSync(WRANGLER, args, { cwd: ROOT, env: { ...WRANGLER_ENV, CI: 'true' }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrangler d1 migrations apply failed:\n${r.stdout}\n${r.stderr}`);
}

/**
 * Starts wrangler dev and waits until it answers. Its devtools inspector gets a free port too (its
 * default, 9229, is taken by any other wrangler dev running at the time, e.g. a second test run); a
 * port taken between choosing and binding it means one more try on new ports.
 */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServerOnce(opts);
    } catch (e) {
      if (attempt >= 3 || !(e instanceof PortTakenError)) throw e;
    }
  }
}

class PortTakenError extends Error {}

async function startDevServerOnce(opts: DevServerOptions): Promise<DevServer> {
  const port = opts.port ?? (await freePort());
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()), '--show-interactive-dev-session=false'];
  if (opts.persistTo) args.push('--persist-to', opts.persistTo);
  if (opts.assets) args.push('--assets', opts.assets);
  for (const [k, v] of Object.entries(opts.vars ?? {})) args.push('--var', `${k}:${v}`);
  const child = spawn(WRANGLER, args, {
    cwd: ROOT,
    env: WRANGLER_ENV,
    stdio: opts.inheritOutput ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe']
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const message = `wrangler dev exited with ${child.exitCode}:\n${output}`;
      throw /Address already in use/.test(output) ? new PortTakenError(message) : new Error(message);
    }
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return { url, port, process: child, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`wrangler dev was not ready within ${opts.readyTimeoutMs ?? 60_000} ms:\n${output}`);
}
