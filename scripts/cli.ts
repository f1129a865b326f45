/**
 * What the command-line tools share (train, eval, predict, publish, runs, bench:*): a commander program whose `--help` prints usage and exits 0, whose
 * bad flags, values and paths end in one `error: …` line and exit 1 (never a stack trace), and the
 * argument checks. Light on purpose: commands import it before tfjs, Chromium or wrangler.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { readMetadata } from '../training/src/metadata.ts';
import { ROOT } from './dev-server.ts';

export function cliProgram(script: string, description: string): Command {
  // No "(Did you mean …?)" second line: a wrong flag gets exactly one line.
  return new Command(`npm run ${script} --`).description(description).showSuggestionAfterError(false);
}

/**
 * Parses argv: `--help` prints usage and exits 0, a bad flag or value prints one line and exits 1.
 * From then on, a failure (a missing model, a server that did not start) is one `error:` line and
 * exit 1 as well; the bench's own `finally` blocks (servers, browsers) have run by then.
 */
export function parseFlags<T>(program: Command): T {
  const flags = program.parse().opts() as T;
  process.on('uncaughtException', (e) => {
    console.error(`error: ${e.message}`);
    process.exit(1);
  });
  return flags;
}

/** A commander value parser for whole numbers of at least `min`. */
export const integerFrom = (min: number) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number ≥ ${min}.`);
  return n;
};

/**
 * An exported model folder (model.json + a valid metadata.json): DIR itself, or DIR/model, which is
 * what `git archive <commit> model | tar -x -C DIR` unpacks.
 */
export function modelDir(arg: string): string {
  const dir = resolve(arg);
  const found = [dir, join(dir, 'model')].find((d) => existsSync(join(d, 'model.json')) && existsSync(join(d, 'metadata.json')));
  if (!found) throw new InvalidArgumentError(`${dir} holds no exported model (model.json and metadata.json, here or in model/).`);
  try {
    readMetadata(found);
  } catch {
    throw new InvalidArgumentError(`${join(found, 'metadata.json')} does not follow the model metadata contract.`);
  }
  return found;
}

export function existingDir(arg: string): string {
  const dir = resolve(arg);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InvalidArgumentError(`${dir} is not a folder.`);
  return dir;
}

/** A git revision of this repository, as its full commit id. */
export function gitCommit(arg: string): string {
  const r = spawnSync('git', ['rev-parse', '--verify', '--quiet', `${arg}^{commit}`], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new InvalidArgumentError(`${arg} is not a commit of this repository.`);
  return r.stdout.trim();
}
