/**
 * `npm start`: build the PWA, apply local D1 migrations, run wrangler dev serving app + /api on one URL.
 * `npm run dev`: the same, plus Vite with hot reload for the web part (it proxies /api to wrangler).
 * Local data persists in .wrangler/state between runs. Ctrl-C stops everything.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT, applyMigrations, startDevServer } from './dev-server.ts';
import { adminToken } from '../training/src/api-client.ts';
import { publishIfNoneActive } from '../training/src/publish.ts';

const dev = process.argv.includes('--dev');
const port = Number(process.env.PORT ?? 8787);

// The publish endpoint needs an admin token; make a local one on first start.
const devVars = resolve(ROOT, '.dev.vars');
if (!existsSync(devVars)) {
  writeFileSync(devVars, `ADMIN_TOKEN=${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  console.log('Wrote .dev.vars with a fresh local ADMIN_TOKEN.');
}

console.log('Building the PWA ...');
const build = spawnSync(resolve(ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

console.log('Applying D1 migrations (local) ...');
applyMigrations();

const server = await startDevServer({ port, inheritOutput: true });
// Seed the shipped model into local R2 the first time, so /api/models/latest has something to offer.
const token = adminToken(devVars);
if (token && existsSync(resolve(ROOT, 'model/metadata.json'))) {
  const r = await publishIfNoneActive({ url: server.url, modelDir: resolve(ROOT, 'model'), token }).catch((e: Error) => e);
  console.log(r instanceof Error ? `Seeding model/ failed: ${r.message}` : `Models: ${r}.`);
}
const children = [server.process];
if (dev) {
  const vite = spawn(resolve(ROOT, 'node_modules/.bin/vite'), ['dev', '--host', '127.0.0.1'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, PAWLENS_API_PORT: String(port) }
  });
  children.push(vite);
}
console.log(`\nPawlens is running at ${server.url}  (API: ${server.url}/api/health)${dev ? '\nVite dev server with hot reload: http://127.0.0.1:5173' : ''}\nCtrl-C to stop.\n`);

const shutdown = async () => {
  for (const c of children.slice(1)) c.kill('SIGTERM');
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
server.process.on('exit', (code) => process.exit(code ?? 0));
