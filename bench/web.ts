/**
 * `npm run bench:web -- [--model DIR] [--baseline DIR | --baseline-ref REV] …`: the PWA in real
 * headless Chromium against wrangler dev, one build per contender; with --baseline (another model) or
 * --baseline-ref (the app at an earlier git revision, same model) both are timed in one run,
 * interleaved, with speedups. Prints one JSON object: cold start to first verdict, bytes on first
 * load, warm predict p50/p95 on wasm and webgl, the longest main-thread task while classifying, and
 * Lighthouse 12 scores.
 */
import { join } from 'node:path';
import { ROOT } from '../scripts/dev-server.ts';
import { Option } from 'commander';
import { cliProgram, gitCommit, integerFrom, modelDir, parseFlags } from '../scripts/cli.ts';

interface Flags {
  model?: string;
  baseline?: string;
  baselineRef?: string;
  cold: number;
  settle: number;
  runs: number;
  webglRuns: number;
  traced: number;
  lighthouse: boolean;
  lighthouseRuns: number;
}

const program = cliProgram('bench:web', 'Times the PWA with a model (and a baseline, interleaved) in headless Chromium against wrangler dev; prints one JSON object.')
  .option('--model <dir>', 'exported model folder the app is built with (default: model/)', modelDir)
  .addOption(new Option('--baseline <dir>', 'second model, in its own build of today\'s app, timed against --model in the same run; adds speedup = baseline / model warm wasm p50').argParser(modelDir).conflicts('baselineRef'))
  .option('--baseline-ref <rev>', 'git revision whose app (built in a temporary worktree, shipping the same model) is timed against today\'s; adds coldStartSpeedup and warmSpeedup', gitCommit)
  .option('--cold <n>', 'cold starts (fresh profile) per model', integerFrom(1), 3)
  .option('--settle <ms>', 'how long a freshly launched browser is left to finish its own start-up before each cold start', integerFrom(0), 3000)
  .option('--runs <n>', 'warm predictions per model on wasm', integerFrom(1), 30)
  .option('--webgl-runs <n>', 'warm predictions per model on webgl (SwiftShader here; 0 skips)', integerFrom(0), 10)
  .option('--traced <n>', 'classifications per contender traced for the longest main-thread task', integerFrom(1), 5)
  .option('--lighthouse-runs <n>', 'Lighthouse runs per model, taking turns; the run nearest the median first paint and time to interactive is reported (about a minute each)', integerFrom(1), 5)
  .option('--no-lighthouse', 'skip the Lighthouse scores')
  .addHelpText('after', '\nRebuilds build/web (left holding the build with --model).\nExamples: npm run bench:web -- --baseline-ref 7217d11\n          npm run bench:web -- --model model --baseline /tmp/baseline-7217d11');

const flags = parseFlags<Flags>(program);
// Loaded only now, so --help and flag errors answer without loading playwright, Lighthouse or wrangler.
const { benchWeb } = await import('./web-bench.ts');
const result = await benchWeb({ ...flags, settleMs: flags.settle, lighthouseRuns: flags.lighthouse ? flags.lighthouseRuns : 0, model: flags.model ?? modelDir(join(ROOT, 'model')) });
console.log(JSON.stringify(result, null, 2));
