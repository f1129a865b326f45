/**
 * Every bench answers --help with usage (exit 0), and a wrong flag, value or path with one `error:`
 * line (exit 1, no stack trace) before any benchmark work starts; bench:model also runs for real on a
 * couple of photos with the old two-class model against itself.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATASETS, haveShared } from '../shared-data.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const MODEL = join(ROOT, 'model');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a bench script as `npm run` would (async, so the tests below can run side by side). */
function bench(name: string, ...args: string[]): Promise<Run> {
  return new Promise((ok) => {
    const child = execFile(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'bench', `${name}.ts`), ...args], { cwd: ROOT }, (_err, stdout, stderr) =>
      ok({ status: child.exitCode, stdout, stderr })
    );
  });
}

/** Exit 1 with exactly one line on stderr, starting with `error:`, and nothing on stdout. */
function expectOneLineError(r: Run, mentions: string) {
  expect(r.status, r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toContain(mentions);
}

describe.concurrent.each(['model', 'web', 'api', 'limits'])('npm run bench:%s', (name) => {
  it('--help prints usage and exits 0', async () => {
    const r = await bench(name, '--help');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Usage: npm run bench:${name} -- [options]`);
    expect(r.stdout).toContain('--help');
  });

  it('a wrong flag is one error line and exit 1', async () => {
    expectOneLineError(await bench(name, '--no-such-flag'), "unknown option '--no-such-flag'");
  });
});

describe.concurrent('bench flag values and paths', () => {
  it.each([
    ['model', ['extra'], 'too many arguments'],
    ['model', ['--limit', '0'], '--limit'],
    ['model', ['--backend', 'gpu'], '--backend'],
    ['web', ['--runs', '-3'], '--runs'],
    ['web', ['--baseline-ref', 'no-such-revision'], 'is not a commit'],
    ['web', ['--baseline-ref', 'HEAD', '--baseline', 'model'], 'cannot be used with'],
    ['api', ['--connections', '1.5'], '--connections'],
    ['limits', ['--versions', '0'], '--versions']
  ])('bench:%s %j is rejected in one line', async (name, args, mentions) => {
    expectOneLineError(await bench(name, ...args), mentions);
  });

  it.each([
    ['model', '--model'],
    ['web', '--baseline']
  ])('bench:%s %s with a folder that holds no model is rejected in one line', async (name, flag) => {
    expectOneLineError(await bench(name, flag, join(ROOT, 'no-such-model')), 'holds no exported model');
  });

  it('bench:model --data with a missing folder is rejected in one line', async () => {
    expectOneLineError(await bench('model', '--data', join(ROOT, 'no-such-data')), 'is not a folder');
  });
});

describe.skipIf(!haveShared(join(DATASETS, 'smoke')))('bench:model on a real model', () => {
  it('times a model against a baseline, interleaved, and prints one JSON object with speedup', async () => {
    const r = await bench('model', '--model', MODEL, '--baseline', MODEL, '--data', join(DATASETS, 'smoke'), '--limit', '2', '--rounds', '1', '--batch', '2');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.bench).toBe('model');
    expect(out.photos).toBe(2);
    for (const role of ['model', 'baseline']) {
      expect(out[role].dir).toBe(MODEL);
      expect(out[role].labels.slice(0, 2)).toEqual(['cat', 'dog']);
      expect(out[role].predictMsPerPhoto.batch1.n).toBe(2);
      expect(out[role].predictMsPerPhoto.batch2.n).toBe(1);
    }
    expect(out.speedup).toBeGreaterThan(0);
    expect(Object.keys(out.speedupByBatch)).toEqual(['1', '2']);
  });
});
