/**
 * Deploying (issue 9): the real bundle passes `wrangler deploy --dry-run`; `npm run deploy` shows its
 * plan with --dry-run and fails fast without credentials; `npm run smoke` passes against a running
 * server set up as `npm start` sets it up, and fails clearly against a stopped one.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, WRANGLER_ENV, applyMigrations, startDevServer, type DevServer } from '../../scripts/dev-server.ts';
import { publishIfNoneActive, publishModel } from '../../training/src/publish.ts';

const TSX = resolve(ROOT, 'node_modules/.bin/tsx');
/** The environment without any Cloudflare credentials. */
const noCredentials = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CLOUDFLARE_')));

function script(name: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(TSX, [`scripts/${name}.ts`, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const built = existsSync(join(ROOT, 'build/web/index.html'));

describe.skipIf(!built)('the bundle', () => {
  it('passes wrangler deploy --dry-run, with its bindings', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'pawlens-dry-run-'));
    try {
      const r = spawnSync(resolve(ROOT, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', outdir], {
        cwd: ROOT,
        env: WRANGLER_ENV,
        encoding: 'utf8'
      });
      const out = `${r.stdout}${r.stderr}`;
      expect(r.status, out).toBe(0);
      expect(out).toContain('--dry-run: exiting now.');
      for (const binding of ['env.DB', 'env.MODELS', 'env.PHOTOS', 'env.CLIENT_WRITE_LIMIT', 'env.IP_WRITE_LIMIT', 'env.ASSETS']) expect(out).toContain(binding);
      expect(readFileSync(join(outdir, 'index.js'), 'utf8').length).toBeGreaterThan(10_000);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('npm run deploy', () => {
  it('shows its plan with --dry-run: which wrangler commands, in which order', () => {
    const r = script('deploy', ['--dry-run'], noCredentials());
    expect(r.status, r.out).toBe(0);
    const order = [
      'vite build',
      'wrangler d1 list --json',
      'wrangler d1 create pawlens',
      'write wrangler.deploy.toml',
      'wrangler r2 bucket create pawlens-models',
      'wrangler r2 bucket create pawlens-photos',
      'wrangler d1 migrations apply DB --remote',
      'wrangler secret list',
      'wrangler deploy --config wrangler.deploy.toml',
      'POST /api/models'
    ];
    const at = order.map((s) => r.out.indexOf(s));
    expect(at.every((i) => i >= 0), r.out).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(r.out).toContain('Missing to deploy for real: CLOUDFLARE_API_TOKEN');
  });

  it('fails fast without credentials, saying what is missing, having changed nothing', () => {
    const generated = join(ROOT, 'wrangler.deploy.toml');
    const before = existsSync(generated) ? readFileSync(generated, 'utf8') : null;
    const r = script('deploy', [], noCredentials());
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/^error: CLOUDFLARE_API_TOKEN is not set\./m);
    expect(r.out).not.toContain('[1/'); // no step started, not even the build
    expect(existsSync(generated) ? readFileSync(generated, 'utf8') : null).toBe(before);
  });

  it('answers --help with its usage', () => {
    const r = script('deploy', ['--help']);
    expect(r.status).toBe(0);
    expect(r.out).toContain('--dry-run');
  });
});

describe.skipIf(!built)('npm run smoke', () => {
  const state = mkdtempSync(join(tmpdir(), 'pawlens-smoke-'));
  const token = 'smoke-admin-token';
  let server: DevServer | undefined;

  beforeAll(async () => {
    // What npm start does: migrations, wrangler dev, the shipped model published and active.
    applyMigrations(state);
    server = await startDevServer({ persistTo: state, vars: { ADMIN_TOKEN: token } });
    await publishIfNoneActive({ url: server.url, modelDir: resolve(ROOT, 'model'), token });
    // A second version (the shipped model under another name) to stage. Published here, not after the
    // spawnSync calls of the tests: they block the event loop, and fetch would then reuse a socket the server closed meanwhile.
    const shipped = JSON.parse(readFileSync(resolve(ROOT, 'model/metadata.json'), 'utf8')) as { version: string };
    const dir = mkdtempSync(join(tmpdir(), 'pawlens-next-'));
    try {
      cpSync(resolve(ROOT, 'model'), dir, { recursive: true });
      writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ ...shipped, version: `${shipped.version}-next` }));
      await publishModel({ url: server.url, modelDir: dir, token });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(state, { recursive: true, force: true });
  });

  it('passes against a running server, checking every part', () => {
    const r = script('smoke', ['--url', server!.url]);
    expect(r.status, r.out).toBe(0);
    for (const check of ['health', 'app shell', 'service worker', 'shipped model', 'active model', 'feedback round trip']) {
      expect(r.out).toMatch(new RegExp(`^ok +${check}: `, 'm'));
    }
    expect(r.out).toMatch(/active model: .+ sha256 verified/);
    expect(r.out).toContain('smoke test OK');
  });

  it('npm run models lists, withdraws and activates versions', () => {
    const env = { ...process.env, ADMIN_TOKEN: token };
    const version = JSON.parse(readFileSync(resolve(ROOT, 'model/metadata.json'), 'utf8')).version as string;
    const list = () => script('models', ['list', '--url', server!.url], env);
    expect(list().out).toMatch(new RegExp(`^${version.replace(/\./g, '\\.')} +active `, 'm'));
    expect(script('models', ['withdraw', version, '--url', server!.url], env).out).toContain(`${version} is now withdrawn`);
    expect(list().out).toMatch(new RegExp(`^${version.replace(/\./g, '\\.')} +withdrawn `, 'm'));
    expect(script('models', ['activate', version, '--url', server!.url], env).out).toContain(`${version} is now active`);
    const unknown = script('models', ['activate', '9.9.9-none', '--url', server!.url], env);
    expect(unknown.status).toBe(1);
    expect(unknown.out).toContain('error: HTTP 404 not_found: model 9.9.9-none is not published');
    const noToken = script('models', ['list', '--url', server!.url], { ...process.env, ADMIN_TOKEN: 'wrong' });
    expect(noToken.out).toContain('error: HTTP 401 unauthorized');
  });

  it('npm run models stages a version for a share of installs, rolls it back, promotes it', () => {
    const env = { ...process.env, ADMIN_TOKEN: token };
    const shipped = JSON.parse(readFileSync(resolve(ROOT, 'model/metadata.json'), 'utf8')) as { version: string };
    const next = `${shipped.version}-next`;
    const models = (...args: string[]) => script('models', [...args, '--url', server!.url], env);
    const row = (version: string, state: string, percent: number) => new RegExp(`^${version.replace(/\./g, '\\.')} +${state} +${percent}% `, 'm');

    expect(models('activate', next, '--percent', '50').out).toContain(`${next} is now staged (50% of installs)`);
    const staged = models('list').out;
    expect(staged).toMatch(row(next, 'staged', 50));
    expect(staged).toMatch(row(shipped.version, 'active', 50));
    expect(models('rollback').out).toContain(`${next} is now withdrawn`);
    expect(models('list').out).toMatch(row(shipped.version, 'active', 100));
    expect(models('activate', next, '--percent', '10').out).toContain(`${next} is now staged (10% of installs)`);
    expect(models('promote').out).toContain(`${next} is now active (100% of installs)`);
    expect(models('list').out).toMatch(row(next, 'active', 100));
    const bad = models('activate', next, '--percent', '0');
    expect(bad.status).toBe(1);
    expect(bad.out.trim()).toBe("error: option '--percent <p>' argument '0' is invalid. expected a whole number from 1 to 100.");
    expect(models('activate', shipped.version).out).toContain(`${shipped.version} is now active (100% of installs)`);
  });

  it('fails with a clear message against a stopped server', async () => {
    const url = server!.url;
    await server!.stop();
    server = undefined;
    const r = script('smoke', ['--url', url]);
    expect(r.status).toBe(1);
    expect(r.out).toContain(`cannot reach ${url} (ECONNREFUSED); is the server running?`);
    expect(r.out).not.toMatch(/\n\s+at /);
  });
});
