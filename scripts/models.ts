/**
 * `npm run models -- list | activate VERSION | withdraw VERSION [--url URL]`: the model lifecycle of
 * a running Pawlens (local or deployed). Needs ADMIN_TOKEN (environment, else .dev.vars).
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { ErrorBody, ModelList, ModelState } from '../edge/src/contract.ts';
import { adminToken } from '../training/src/publish.ts';
import { ROOT } from './dev-server.ts';

const DEFAULT_URL = process.env.PAWLENS_URL ?? 'http://127.0.0.1:8787';

async function admin(url: string, method: 'GET' | 'POST', path: string): Promise<unknown> {
  const token = adminToken(resolve(ROOT, '.dev.vars'));
  if (!token) throw new Error('ADMIN_TOKEN is not set (environment or .dev.vars)');
  const res = await fetch(new URL(path, url), { method, headers: { authorization: `Bearer ${token}` } }).catch((e: Error) => {
    throw new Error(`cannot reach ${url}: ${(e.cause as Error | undefined)?.message ?? e.message}`);
  });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = ErrorBody.safeParse(body);
    throw new Error(`HTTP ${res.status}${err.success ? ` ${err.data.error.code}: ${err.data.error.message}` : ''}`);
  }
  return body;
}

export function formatModels(list: ModelList): string {
  if (list.models.length === 0) return 'no model is published';
  const rows = list.models.map((m) => [m.version, m.state, m.publishedAt, `${(m.bytes / 1e6).toFixed(2)} MB`]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['version', 'state', 'published'][i]!.length));
  const line = (r: string[]) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join('  ');
  return [line(['version', 'state', 'published', 'size']), ...rows.map(line)].join('\n');
}

const program = new Command('models')
  .description('List, activate or withdraw published models of a running Pawlens (needs ADMIN_TOKEN).')
  .option('--url <url>', 'the Pawlens base URL', DEFAULT_URL)
  .showHelpAfterError(false);

program
  .command('list')
  .description('every published version with its state (active, inactive, withdrawn), newest first')
  .action(async () => console.log(formatModels(ModelList.parse(await admin(program.opts().url, 'GET', '/api/models')))));

for (const [name, description] of [
  ['activate', 'make VERSION the one clients get (GET /api/models/latest); they move to it at their next check'],
  ['withdraw', 'never offer VERSION again; clients on it move to the active version, or to the shipped one']
] as const) {
  program
    .command(`${name} <version>`)
    .description(description)
    .action(async (version: string) => {
      const r = await admin(program.opts().url, 'POST', `/api/models/${encodeURIComponent(version)}/${name}`);
      const state = ModelState.parse((r as { state: unknown }).state);
      console.log(`${version} is now ${state}`);
    });
}

program.parseAsync().catch((e: Error) => {
  console.error(`error: ${e.message}`);
  process.exit(1);
});
