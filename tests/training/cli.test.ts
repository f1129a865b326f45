/**
 * Every training command answers --help with usage (exit 0), and a wrong flag, value or path with one
 * `error:` line (exit 1, no stack trace). `predict` also runs for real on files and a folder.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, expectOneLineError, runScript } from '../cli-run.ts';
import { haveShared } from '../shared-data.ts';
import { BAD, SMOKE, smokeFiles } from './helpers.ts';

const shippedLabels = (JSON.parse(readFileSync(join(ROOT, 'model/metadata.json'), 'utf8')) as { labels: string[] }).labels;

const cli = (cmd: string, ...args: string[]) => runScript('training/src/cli.ts', cmd, ...args);

describe.concurrent.each(['train', 'eval', 'predict', 'publish', 'runs'])('npm run %s', (cmd) => {
  it('--help prints usage and exits 0', async () => {
    const r = await cli(cmd, '--help');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Usage: npm run ${cmd} --`);
    expect(r.stderr).toBe('');
  });

  it('a wrong flag is one error line and exit 1', async () => {
    const required = cmd === 'publish' ? ['--url', 'http://127.0.0.1:1'] : cmd === 'predict' ? ['photo.jpg'] : [];
    expectOneLineError(await cli(cmd, ...required, '--no-such-flag'), "unknown option '--no-such-flag'");
  });
});

describe.concurrent('npm run feedback -- pull', () => {
  it('--help prints usage and exits 0', async () => {
    const r = await cli('feedback', 'pull', '--help');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Usage: npm run feedback -- pull');
    for (const flag of ['--url', '--out', '--since', '--all']) expect(r.stdout).toContain(flag);
  });

  it('a wrong flag, a bad date and an unreachable server are one error line', async () => {
    expectOneLineError(await cli('feedback', 'pull', '--no-such-flag'), "unknown option '--no-such-flag'");
    expectOneLineError(await cli('feedback', 'pull', '--since', 'last tuesday'), 'expected a date or time');
    // With a token, so it gets as far as the network.
    process.env.ADMIN_TOKEN ??= 'cli-test-token';
    expectOneLineError(await cli('feedback', 'pull', '--url', 'http://127.0.0.1:1', '--out', join(tmpdir(), 'pawlens-never')), 'cannot reach http://127.0.0.1:1');
  });
});

describe.concurrent('training flag values and paths', () => {
  it.each([
    ['train', ['--size', 'big'], '--size'],
    ['train', ['--data', '/no/such/folder'], '/no/such/folder'],
    ['train', ['--target-pet-rejected', '2'], 'between 0 and 1'],
    ['train', ['--quantize', 'int4'], 'int4'],
    ['eval', ['--model', '/no/such/model'], 'no exported model'],
    ['eval', ['--split', 'holdout'], '--split'],
    ['predict', ['/no/such/photo.jpg'], 'no such file or folder'],
    ['predict', [], "missing required argument 'paths'"],
    ['publish', [], "required option '--url <url>'"],
    ['publish', ['--url', 'http://127.0.0.1:1', '--feedback', '/no/such/folder'], '/no/such/folder'],
    ['publish', ['--url', 'http://127.0.0.1:1', '--test-data', '/no/such/folder'], '/no/such/folder'],
    ['runs', ['--compare', 'only-one', '--runs', tmpdir()], 'two run ids']
  ])('%s %j is rejected in one line', async (cmd, args, mentions) => {
    expectOneLineError(await cli(cmd, ...args), mentions);
  });

  it('an unknown command names the known ones', async () => {
    expectOneLineError(await cli('fly'), 'train | eval | predict | publish | runs | feedback');
  });
});

describe.skipIf(!haveShared(SMOKE, BAD))('npm run predict on real files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pawlens-predict-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one JSON line per image, folders recursively, and an error line for a file it cannot read', async () => {
    mkdirSync(join(dir, 'nested', 'deeper'), { recursive: true });
    copyFileSync(smokeFiles('cat')[0]!, join(dir, 'nested', 'a-cat.jpg'));
    copyFileSync(smokeFiles('dog')[0]!, join(dir, 'nested', 'deeper', 'b-dog.jpg'));
    copyFileSync(join(BAD, 'truncated.jpg'), join(dir, 'nested', 'c-broken.jpg'));
    writeFileSync(join(dir, 'nested', 'notes.txt'), 'not a photo');
    const single = smokeFiles('dog')[1]!;
    const r = await cli('predict', '--json', single, join(dir, 'nested'));
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.file)).toEqual([single, join(dir, 'nested', 'a-cat.jpg'), join(dir, 'nested', 'c-broken.jpg'), join(dir, 'nested', 'deeper', 'b-dog.jpg')]);
    const [dog, cat, broken, dog2] = lines;
    for (const [l, label] of [
      [dog, 'dog'],
      [cat, 'cat'],
      [dog2, 'dog']
    ] as const) {
      expect(l!.verdict).toBe(label);
      const p = l!.probabilities as Record<string, number>;
      expect(Object.keys(p)).toEqual(shippedLabels);
      expect(Object.values(p).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(l!.ms).toBeGreaterThan(0);
    }
    expect(broken!.error).toMatch(/premature end|truncated/i);
    expect(r.stderr).toContain('3 classified, 1 could not be read');
  });
});
