/**
 * `npm run models -- list | activate VERSION [--percent P] | promote | rollback | withdraw VERSION [--url URL]`:
 * the model lifecycle and staged rollout of a running Pawlens (local or deployed). Needs ADMIN_TOKEN
 * (environment, else .dev.vars).
 */
import { Command, InvalidArgumentError } from 'commander';
import { LifecycleResult, ModelList, type ActivateRequest } from '../edge/src/contract.ts';
import { apiClient, requireAdminToken } from '../training/src/api-client.ts';

const DEFAULT_URL = process.env.PAWLENS_URL ?? 'http://127.0.0.1:8787';

export function formatModels(list: ModelList): string {
  if (list.models.length === 0) return 'no model is published';
  const header = ['version', 'state', 'served', 'published', 'size'];
  const rows = list.models.map((m) => [m.version, m.state, `${m.percent}%`, m.publishedAt, `${(m.bytes / 1e6).toFixed(2)} MB`]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]!) : c)).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/** `v is now active (100% of installs)`, `v is now staged (10% of installs)`, `v is now withdrawn`. */
function formatLifecycle(r: LifecycleResult): string {
  return `${r.version} is now ${r.state}${r.state === 'active' || r.state === 'staged' ? ` (${r.percent}% of installs)` : ''}`;
}

const percent = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('expected a whole number from 1 to 100.');
  return n;
};

const program = new Command('npm run models --')
  .description('Lists published models, activates them (for everyone or a share of installs), promotes, rolls back or withdraws them (needs ADMIN_TOKEN).')
  .option('--url <url>', 'the Pawlens base URL', DEFAULT_URL)
  .showSuggestionAfterError(false);

const api = () => apiClient(program.opts<{ url: string }>().url, requireAdminToken());
const lifecycle = async (path: string, body?: ActivateRequest) => console.log(formatLifecycle(LifecycleResult.parse(await api().json('POST', path, body))));

program
  .command('list')
  .description('every published version with its state (active, staged, inactive, withdrawn) and share of installs, newest first')
  .action(async () => console.log(formatModels(ModelList.parse(await api().json('GET', '/api/models')))));

program
  .command('activate <version>')
  .description('serve VERSION to every install, or with --percent to that share of installs (staged; the rest keep the active one)')
  .option('--percent <p>', 'share of installs, 1-100 (each install keeps a stable bucket)', percent)
  .action((version: string, f: { percent?: number }) =>
    lifecycle(`/api/models/${encodeURIComponent(version)}/activate`, f.percent === undefined ? undefined : { percent: f.percent })
  );

program
  .command('promote')
  .description('make the staged version active for every install')
  .action(() => lifecycle('/api/models/promote'));

program
  .command('rollback')
  .description('withdraw the staged version: every install returns to the active one at its next check')
  .action(() => lifecycle('/api/models/rollback'));

program
  .command('withdraw <version>')
  .description('never offer VERSION again; installs on it move to the active version, or to the shipped one')
  .action((version: string) => lifecycle(`/api/models/${encodeURIComponent(version)}/withdraw`));

program.parseAsync().catch((e: Error) => {
  console.error(`error: ${e.message}`);
  process.exit(1);
});
