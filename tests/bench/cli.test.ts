/**
 * Every bench answers --help with usage (exit 0), and a wrong flag, value or path with one `error:`
 * line (exit 1, no stack trace) before any benchmark work starts; bench:model also runs for real on a
 * couple of photos with the old two-class model against itself.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, expectOneLineError, runScript } from '../cli-run.ts';
import { DATASETS, haveShared } from '../shared-data.ts';

const MODEL = join(ROOT, 'model');

/** Runs a bench script as `npm run` would. */
const bench = (name: string, ...args: string[]) => runScript(`bench/${name}.ts`, ...args);

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
    ['web', ['--lighthouse-runs', '0'], '--lighthouse-runs'],
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
