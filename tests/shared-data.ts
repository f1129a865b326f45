/**
 * Where the shared datasets and backbones live (beside the repo, never inside it), and the rule for
 * tests that need them: skip with a printed reason when absent, fail when REQUIRE_SHARED=1 (CI).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
export const SHARED = resolve(ROOT, process.env.PAWLENS_SHARED ?? '../shared');
export const DATASETS = resolve(ROOT, process.env.PAWLENS_DATA_ROOT ?? `${SHARED}/datasets`);
export const BACKBONES = resolve(ROOT, process.env.PAWLENS_BACKBONES ?? `${SHARED}/backbones`);

/**
 * Returns true when every path exists. Otherwise prints why the caller skips, or throws under
 * REQUIRE_SHARED=1. Use as `describe.skipIf(!haveShared(p))(...)`.
 */
export function haveShared(...paths: string[]): boolean {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length === 0) return true;
  const msg = `shared data missing: ${missing.join(', ')}`;
  if (process.env.REQUIRE_SHARED === '1') throw new Error(`${msg} (REQUIRE_SHARED=1)`);
  console.warn(`SKIP: ${msg}`);
  return false;
}
