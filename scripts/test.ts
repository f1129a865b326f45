/**
 * `npm test`: builds the PWA (browser and integration tests serve it through wrangler dev), then runs
 * the edge suite inside workerd and the Node/browser suites, and prints one summary line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT } from './dev-server.ts';

const bin = (name: string) => resolve(ROOT, 'node_modules/.bin', name);
const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' }).status ?? 1;

if (run(bin('vite'), ['build', '--logLevel', 'warn']) !== 0) process.exit(1);

const reports = mkdtempSync(join(tmpdir(), 'pawlens-test-'));
const suites = [
  { name: 'edge', config: 'vitest.edge.config.ts' },
  { name: 'node', config: 'vitest.config.ts' }
];
const extra = process.argv.slice(2);
let failedSuites = 0;
const total = { passed: 0, failed: 0, skipped: 0 };
for (const s of suites) {
  const out = join(reports, `${s.name}.json`);
  const code = run(bin('vitest'), ['run', '--config', s.config, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...extra]);
  if (code !== 0) failedSuites++;
  try {
    const r = JSON.parse(readFileSync(out, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
      testResults: { status: string; assertionResults: unknown[] }[];
    };
    // A file that failed while loading has no failed tests of its own: count it as one failure.
    const brokenFiles = r.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
    total.passed += r.numPassedTests;
    total.failed += r.numFailedTests + brokenFiles;
    total.skipped += r.numPendingTests + r.numTodoTests;
  } catch {
    if (code !== 0) total.failed++; // the suite died before writing its report
  }
}
rmSync(reports, { recursive: true, force: true });
console.log(`\ntests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(failedSuites > 0 || total.failed > 0 ? 1 : 0);
