/** Running a command-line script as `npm run` would, and the one-line error rule every command follows. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ROOT } from '../scripts/dev-server.ts';

export { ROOT };

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a TypeScript entry point with tsx (async, so tests can run side by side). */
export function runScript(script: string, ...args: string[]): Promise<Run> {
  return new Promise((ok) => {
    const child = execFile(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, script), ...args], { cwd: ROOT, maxBuffer: 1 << 24 }, (_err, stdout, stderr) =>
      ok({ status: child.exitCode, stdout, stderr })
    );
  });
}

/** Exit 1 with exactly one line on stderr, starting with `error:`, and nothing on stdout. */
export function expectOneLineError(r: Run, mentions: string): void {
  expect(r.status, r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toContain(mentions);
}
