/**
 * `npm run bench:model -- [--model DIR] [--baseline DIR] …`: predict time of one exported model, or of
 * two side by side (interleaved in one run, with `speedup`), on the Node tfjs backend; one JSON object.
 */
import { join } from 'node:path';
import { Option } from 'commander';
import type { NodeBackend } from '../training/src/backend.ts';
import { dataRoot } from '../training/src/data/scan.ts';
import type { Split } from '../training/src/data/split.ts';
import { ROOT } from '../scripts/dev-server.ts';
import { cliProgram, existingDir, integerFrom, modelDir, parseFlags } from '../scripts/cli.ts';

interface Flags {
  model?: string;
  baseline?: string;
  data?: string;
  split: Split;
  limit: number;
  rounds: number;
  batch: number;
  backend?: NodeBackend;
  accuracy?: boolean;
}

const program = cliProgram('bench:model', 'Times predict for an exported model (and a baseline, interleaved) on the Node tfjs backend; prints one JSON object.')
  .option('--model <dir>', 'exported model folder (default: model/)', modelDir)
  .option('--baseline <dir>', 'second model to time against --model in the same run; adds speedup = baseline time / model time', modelDir)
  .option('--data <dir>', 'photos to time on (default: $PAWLENS_DATA or ../shared/datasets/catsdogs)', existingDir)
  .addOption(new Option('--split <name>', 'split of --data to take photos from, when it has splits').choices(['train', 'val', 'test']).default('test'))
  .option('--limit <n>', 'photos, spread over the split', integerFrom(1), 32)
  .option('--rounds <n>', 'timed passes over the photos (each model once per photo per round)', integerFrom(1), 4)
  .option('--batch <n>', 'batch size timed besides batch 1 (each round also runs the photos in batches of n)', integerFrom(2), 8)
  .addOption(new Option('--backend <name>', 'tfjs backend (default: the fastest available; printed)').choices(['tensorflow', 'wasm', 'cpu']))
  .option('--accuracy', 'also evaluate each model on the whole split (slow)')
  .addHelpText('after', '\nExample: npm run bench:model -- --model model --baseline /tmp/baseline-7217d11');

const flags = parseFlags<Flags>(program);
// Loaded only now, so --help and flag errors answer without starting tfjs.
const { benchModels } = await import('./model-bench.ts');
const result = await benchModels({
  ...flags,
  model: flags.model ?? modelDir(join(ROOT, 'model')),
  data: dataRoot(flags.data),
  accuracy: flags.accuracy ?? false
});
console.log(JSON.stringify(result, null, 2));
