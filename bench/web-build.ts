/**
 * bench:web's builds: the PWA built once per model (`PAWLENS_MODEL_DIR`, as a release would ship it),
 * each copied out of build/web so that two can be served side by side; and the app as it was at an
 * earlier git revision, built in a temporary worktree with the same model.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT } from '../scripts/dev-server.ts';
import { readMetadata } from '../training/src/metadata.ts';
import { BUILD } from '../tests/e2e/harness.ts';

/** Runs vite build in `cwd` shipping `modelDir`; stdout stays free for the bench's JSON, errors go to stderr. */
function viteBuild(cwd: string, modelDir: string): void {
  const r = spawnSync(resolve(cwd, 'node_modules/.bin/vite'), ['build', '--logLevel', 'error'], {
    cwd,
    env: { ...process.env, PAWLENS_MODEL_DIR: modelDir },
    stdio: ['ignore', 'ignore', 'inherit']
  });
  if (r.status !== 0) throw new Error(`vite build in ${cwd} with PAWLENS_MODEL_DIR=${modelDir} failed (exit ${r.status ?? r.signal})`);
}

/** A temporary copy of a build folder (the caller removes it). */
function copyBuild(from: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'pawlens-bench-web-'));
  cpSync(from, copy, { recursive: true });
  return copy;
}

/** Builds the app shipping `modelDir` and returns a temporary copy of the build (the caller removes it). */
export function buildWithModel(modelDir: string): string {
  viteBuild(ROOT, modelDir);
  return copyBuild(BUILD);
}

/** Bytes the service worker precaches in the background on the first visit (uncompressed). */
export function precacheBytes(build: string): number {
  const sw = readFileSync(join(build, 'service-worker.js'), 'utf8');
  const urls = [...sw.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]!);
  const file = (u: string) => (u === '/' ? 'index.html' : /\.[a-z0-9]+$/i.test(u) ? u : `${u}.html`);
  return urls.reduce((n, u) => n + statSync(join(build, file(u))).size, 0);
}

type Lock = { packages?: Record<string, { version?: string }> };

/**
 * Whether the packages installed for `current` serve a checkout locked by `other`: every package
 * `other` locks is installed at the same version (extra packages do not matter). Pure.
 */
export function lockCovers(current: Lock, other: Lock): boolean {
  const have = current.packages ?? {};
  return Object.entries(other.packages ?? {}).every(([path, p]) => path === '' || have[path]?.version === p.version);
}

const git = (args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });

/** A checkout of `commit` in a temporary git worktree with its dependencies; `remove()` deletes it. */
export function checkout(commit: string): { dir: string; remove(): void } {
  const dir = join(mkdtempSync(join(tmpdir(), 'pawlens-bench-ref-')), 'app');
  const add = git(['worktree', 'add', '--detach', dir, commit]);
  if (add.status !== 0) throw new Error(`git worktree add ${commit} failed: ${add.stderr.trim()}`);
  const remove = () => {
    git(['worktree', 'remove', '--force', dir]);
    rmSync(resolve(dir, '..'), { recursive: true, force: true });
  };
  try {
    const lock = (d: string) => JSON.parse(readFileSync(join(d, 'package-lock.json'), 'utf8')) as Lock;
    if (existsSync(join(dir, 'package-lock.json')) && lockCovers(lock(ROOT), lock(dir))) {
      // Everything that revision locks is installed here at the same version: share it.
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    } else {
      const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, stdio: ['ignore', process.stderr, 'inherit'] });
      if (r.status !== 0) throw new Error(`npm ci for ${commit} failed (exit ${r.status ?? r.signal})`);
    }
    const sync = spawnSync(resolve(dir, 'node_modules/.bin/svelte-kit'), ['sync'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    if (sync.status !== 0) throw new Error(`svelte-kit sync for ${commit} failed`);
  } catch (e) {
    remove();
    throw e;
  }
  return { dir, remove };
}

/** Whether the app in `appDir` accepts `modelDir`'s metadata.json under its own contract. */
export function appAcceptsModel(appDir: string, modelDir: string): boolean {
  const script = join(appDir, '.pawlens-bench-accepts.mts');
  writeFileSync(
    script,
    `import { readFileSync } from 'node:fs';\nimport { ModelMetadata } from './edge/src/contract.ts';\n` +
      `process.exit(ModelMetadata.safeParse(JSON.parse(readFileSync(${JSON.stringify(join(modelDir, 'metadata.json'))}, 'utf8'))).success ? 0 : 3);\n`
  );
  try {
    const r = spawnSync(resolve(appDir, 'node_modules/.bin/tsx'), [script], { cwd: appDir, encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 3) throw new Error(`checking the model against ${appDir}'s contract failed: ${r.stderr.trim().split('\n')[0]}`);
    return r.status === 0;
  } finally {
    rmSync(script, { force: true });
  }
}

/** Builds the app checked out in `appDir` shipping `modelDir`, and checks that it really ships it. */
export function buildCheckout(appDir: string, modelDir: string): string {
  const { version } = readMetadata(modelDir);
  viteBuild(appDir, modelDir);
  const shipped = join(appDir, 'build/web/model/metadata.json');
  const got = existsSync(shipped) ? (JSON.parse(readFileSync(shipped, 'utf8')) as { version?: string }).version : undefined;
  if (got !== version) throw new Error(`the app at that revision did not ship the model given to it (PAWLENS_MODEL_DIR); it ships ${got ?? 'none'}`);
  return copyBuild(join(appDir, 'build/web'));
}
