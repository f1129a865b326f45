/**
 * Pawlens training CLI, one commander program per npm script (train | eval | predict | publish |
 * runs | feedback). Thin: declares flags, checks them, calls the modules. `--help` answers without loading
 * tfjs; every failure is one `error:` line and exit 1.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { cliProgram, existingDir, integerFrom, modelDir } from '../../scripts/cli.ts';
import type { NodeBackend } from './backend.ts';
import { DEFAULT_AUGMENT } from './data/augment.ts';
import type { SourceSpec } from './data/examples.ts';
import { dataRoot, extraRoot, neitherRoot } from './data/scan.ts';
import { DEFAULT_TOP } from './model/top.ts';
import { POLICIES, type PolicyName } from './model/quantize.ts';

const ROOT = resolve(import.meta.dirname, '../..');

const number = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number.');
  return n;
};
const share = (value: string): number => {
  const n = number(value);
  if (n < 0 || n > 1) throw new InvalidArgumentError('expected a share between 0 and 1.');
  return n;
};
const collect = (value: string, previous: string[] = []) => [...previous, existingDir(value)];
const backendOption = () => new Option('--backend <name>', 'tfjs backend (default: tfjs-node if installed, else wasm, else cpu; printed)').choices(['tensorflow', 'wasm', 'cpu']);
const workersOption = () => new Option('--workers <n>', 'worker threads running the backbone (default: one per core, at most 4)').argParser(integerFrom(1));

interface SourceFlags {
  data?: string[];
  neither: string | false;
  extra: string | false;
}

/** --data (repeatable), --neither/--no-neither, --extra/--no-extra, with the shared defaults when present. */
function sourceOptions(c: Command): Command {
  return c
    .option('--data <dir>', 'cat/dog(/neither) photos; repeat to merge folders (default: $PAWLENS_DATA or ../shared/datasets/catsdogs)', collect)
    .option('--neither <dir>', 'photos with no cat or dog, one folder per category (default: $PAWLENS_NEITHER or ../shared/datasets/not-pets)')
    .option('--no-neither', 'no separate folder of non-pet photos')
    .option('--extra <dir>', 'cat/dog photos from other sources: train/ is trained on, val/ only reported (default: $PAWLENS_EXTRA or ../shared/datasets/pets-extra, if present)')
    .option('--no-extra', 'no extra source');
}

function sources(f: SourceFlags): SourceSpec[] {
  const out: SourceSpec[] = (f.data?.length ? f.data : [existingDir(dataRoot())]).map((root) => ({ root, role: 'data' as const }));
  if (f.neither !== false) out.push({ root: existingDir(typeof f.neither === 'string' ? f.neither : neitherRoot()), role: 'neither' });
  if (f.extra !== false) {
    if (typeof f.extra === 'string') out.push({ root: existingDir(f.extra), role: 'extra' });
    else if (existsSync(extraRoot())) out.push({ root: extraRoot(), role: 'extra' });
  }
  return out;
}

function trainProgram(): Command {
  const d = DEFAULT_TOP;
  return sourceOptions(cliProgram('train', 'Trains a cat / dog / neither model and writes it (model.json, shards, metadata.json) plus a run record.'))
    .option('--extra-repeat <n>', 'times each --extra training photo is shown per epoch', integerFrom(1), 3)
    .option('--synthetic <n>', 'made-up non-pet images (noise, flat colour, screens, …) added to train; a quarter as many to val and test', integerFrom(0), 800)
    .option('--backbone <name>', 'folder in --backbones-root', 'mobilenet_v1_1.0_224_trunc_pw12')
    .option('--backbones-root <dir>', 'ImageNet backbones (default: $PAWLENS_BACKBONES or ../shared/backbones)')
    .option('--size <px>', 'square input size', integerFrom(32), 160)
    .option('--crop <share>', 'centre share of each side of a photo the model sees (1 = the whole photo)', share, 0.75)
    .option('--augment <n>', 'augmented copies of each training image (seeded crop, rotation, mirror, colour, blur, JPEG quality)', integerFrom(0), 1)
    .option('--epochs <n>', 'training epochs (cosine learning-rate decay)', integerFrom(1), d.epochs)
    .option('--batch <n>', 'training batch size', integerFrom(1), d.batchSize)
    .option('--lr <rate>', 'learning rate of the head', number, d.learningRate)
    .option('--conv-lr-scale <k>', 'learning rate of the fine-tuned conv, relative to --lr', number, d.convLrScale)
    .option('--fine-tune', "also fine-tune the backbone's last pointwise conv (about 10x slower; default: head only)")
    .addOption(new Option('--pooling <kind>', "how the last conv's map becomes features: its mean, or mean and max side by side").choices(['avg', 'avg+max']).default(d.pooling))
    .option('--hidden <n>', 'units of a hidden ReLU layer in the head (0: linear)', integerFrom(0), d.hidden)
    .option('--l2 <w>', 'L2 weight on the head', number, d.l2)
    .option('--l2sp <w>', "L2 weight pulling the fine-tuned conv back to its ImageNet weights", number, d.l2sp)
    .option('--dropout <p>', 'dropout before the head', share, d.dropout)
    .option('--label-smoothing <e>', 'label smoothing', share, d.labelSmoothing)
    .option('--patience <n>', 'stop after n epochs without a better validation loss', integerFrom(1), d.patience)
    .option('--target-pet-rejected <share>', 'calibration aim: at most this share of cat/dog photos answered neither or unsure (validation)', share, 0.03)
    .option('--target-non-pet-rejected <share>', 'calibration aim: at least this share of non-pet photos answered neither or unsure (validation)', share, 0.97)
    .option('--quantize <list>', `quantizations to measure, comma-separated (${Object.keys(POLICIES).join(', ')})`, 'uint8-large,float16,float32')
    .option('--max-bytes <n>', 'largest model to ship', integerFrom(1), 2_500_000)
    .option('--max-quant-drop <share>', 'accuracy a quantization may cost against float32', share, 0.003)
    .option('--seed <n>', 'seed for splits, augmentation, synthetic images and initialisation', integerFrom(0), 42)
    .option('--out <dir>', 'where the model goes', 'model')
    .option('--cache <dir>', 'activation cache', resolve(ROOT, '.cache/activations'))
    .option('--runs <dir>', 'run registry (default: $PAWLENS_RUNS or runs/)')
    .option('--feature-batch <n>', 'images per backbone call', integerFrom(1), 16)
    .addOption(workersOption())
    .addOption(backendOption())
    .addHelpText('after', '\nExamples:\n  npm run train\n  npm run train -- --data ~/pets --out /tmp/model\n  npm run train -- --data ~/pets --data ~/more-pets --no-extra')
    .action(async (f) => {
      const quantize = String(f.quantize)
        .split(',')
        .map((q) => q.trim()) as PolicyName[];
      for (const q of quantize) if (!(q in POLICIES)) throw new Error(`unknown --quantize policy "${q}" (known: ${Object.keys(POLICIES).join(', ')})`);
      const { backbonesRoot } = await import('./model/backbone.ts');
      const { runsRoot } = await import('./tracking.ts');
      const { train, defaultWorkers } = await import('./train.ts');
      await train({
        sources: sources(f),
        synthetic: { train: f.synthetic, val: Math.round(f.synthetic / 4), test: Math.round(f.synthetic / 4) },
        backbonesRoot: backbonesRoot(f.backbonesRoot),
        backbone: f.backbone,
        size: f.size,
        crop: f.crop,
        augment: DEFAULT_AUGMENT,
        augmentCopies: f.augment,
        top: {
          fineTune: f.fineTune === true,
          pooling: f.pooling,
          hidden: f.hidden,
          epochs: f.epochs,
          batchSize: f.batch,
          learningRate: f.lr,
          convLrScale: f.convLrScale,
          l2: f.l2,
          l2sp: f.l2sp,
          dropout: f.dropout,
          labelSmoothing: f.labelSmoothing,
          patience: f.patience,
          seed: f.seed
        },
        targets: { petRejected: f.targetPetRejected, nonPetRejected: f.targetNonPetRejected },
        extraRepeat: f.extraRepeat,
        quantize,
        maxQuantDrop: f.maxQuantDrop,
        maxBytes: f.maxBytes,
        out: f.out,
        cacheDir: f.cache,
        runsDir: runsRoot(f.runs),
        seed: f.seed,
        workers: f.workers ?? defaultWorkers(),
        batchSize: f.featureBatch,
        backend: f.backend as NodeBackend | undefined
      });
    });
}

function evalProgram(): Command {
  return sourceOptions(cliProgram('eval', "Measures an exported model (two or three classes) on photos, with the app's verdict rule and the model's threshold."))
    .option('--model <dir>', 'exported model folder', modelDir, resolve(ROOT, 'model'))
    .addOption(new Option('--split <name>', 'split of sources that have split folders (folders without splits count whole)').choices(['train', 'val', 'test']).default('test'))
    .option('--json', 'machine-readable JSON on stdout')
    .option('--cache <dir>', 'result cache', resolve(ROOT, '.cache'))
    .option('--feature-batch <n>', 'images per model call', integerFrom(1), 16)
    .addOption(workersOption())
    .addOption(backendOption())
    .addHelpText('after', '\nExamples:\n  npm run eval\n  npm run -s eval -- --model /tmp/model --data ~/pets --no-neither --no-extra --json')
    .action(async (f) => {
      const { chooseExamples, evaluate } = await import('./evaluate.ts');
      const { formatReport } = await import('./report.ts');
      const { defaultWorkers } = await import('./train.ts');
      const r = await evaluate(chooseExamples(sources(f), f.split), {
        model: f.model,
        cacheDir: f.cache,
        workers: f.workers ?? defaultWorkers(),
        batchSize: f.featureBatch,
        backend: f.backend as NodeBackend | undefined
      });
      // Per-photo predictions are for the publish gate; the JSON stays a report.
      if (f.json) return console.log(JSON.stringify({ ...r, predictions: undefined }, null, 2));
      console.log(`model ${r.model.version} (${r.model.labels.join('/')}, ${(r.model.bytes / 1e6).toFixed(2)} MB, unsure below ${r.model.unsureThreshold}) on ${r.sources.map((s) => s.name).join(' + ')} [${r.split}], backend ${r.backend}\n`);
      console.log(formatReport(r.report, `${r.split} split`));
      if (r.skipped.length) console.log(`\nskipped: ${r.skipped.map((s) => `${s.rel} (${s.reason})`).join('; ')}`);
    });
}

function predictProgram(): Command {
  return cliProgram('predict', 'Classifies image files, or all images under folders (recursively), with an exported model and its threshold, as the app does.')
    .argument('<paths...>', 'image files or folders')
    .option('--model <dir>', 'exported model folder', modelDir, resolve(ROOT, 'model'))
    .option('--json', 'JSON Lines: {"file","verdict","probabilities","ms"}, or {"file","error"} for a file that cannot be read')
    .addOption(backendOption())
    .addHelpText('after', '\nExamples:\n  npm run predict -- photo.jpg\n  npm run -s predict -- --json ~/Pictures > verdicts.jsonl')
    .action(async (paths: string[], f) => {
      const { listImages, loadPredictor, predictFiles, formatLine } = await import('./predict.ts');
      const { initBackend } = await import('./backend.ts');
      const files = listImages(paths.map((p) => resolve(p)));
      await initBackend({ prefer: f.backend as NodeBackend | undefined });
      const predictor = await loadPredictor(f.model);
      const { ok, failed } = await predictFiles(predictor, files, (l) => console.log(f.json ? JSON.stringify(l) : formatLine(l)));
      predictor.dispose();
      console.error(`${ok} classified, ${failed} could not be read`);
    });
}

function publishProgram(): Command {
  return cliProgram(
    'publish',
    "Compares an exported model with the server's active one on the same test photos (the gate), then uploads it to POST /api/models (ADMIN_TOKEN from the environment or .dev.vars)."
  )
    .requiredOption('--url <url>', 'base URL of the API, e.g. http://127.0.0.1:8787')
    .option('--model <dir>', 'exported model folder (the candidate)', modelDir, resolve(ROOT, 'model'))
    .option('--activate', 'also make it the version apps use (else it waits for `npm run models -- activate V`)')
    .option('--test-data <dir>', 'cat/dog test photos: the test split of a folder with splits, else all of it; repeatable (default: $PAWLENS_DATA or ../shared/datasets/catsdogs)', collect)
    .option('--test-neither <dir>', 'photos with no cat or dog, likewise; repeatable (default: $PAWLENS_NEITHER or ../shared/datasets/not-pets)', collect)
    .option('--feedback <dir>', 'pulled feedback photos (npm run feedback -- pull): their test split, seeded as training splits them', existingDir)
    .option('--seed <n>', 'the seed the candidate was trained with (it chose the feedback test split)', integerFrom(0), 42)
    .option('--force', 'publish even when a figure drops by more than 0.3 points (recorded in metadata.json)')
    .option('--cache <dir>', 'result cache', resolve(ROOT, '.cache'))
    .option('--feature-batch <n>', 'images per model call', integerFrom(1), 16)
    .addOption(workersOption())
    .addOption(backendOption())
    .addHelpText(
      'after',
      '\nThe gate compares cat/dog accuracy, the share of non-pet photos answered neither or unsure, and the share of\nfeedback test photos answered with their label; a drop of more than 0.3 points in any refuses the upload.\n\nExamples:\n  npm run publish -- --url http://127.0.0.1:8787 --feedback feedback-data\n  npm run publish -- --url http://127.0.0.1:8787 --model /tmp/model --force'
    )
    .action(async (f) => {
      const { requireAdminToken } = await import('./api-client.ts');
      const token = requireAdminToken();
      const { runGate } = await import('./publish-gate.ts');
      const { formatGate } = await import('./gate.ts');
      const { publishModel } = await import('./publish.ts');
      const { defaultWorkers } = await import('./train.ts');
      const { gate, dropped, activeLabel, candidateVersion: version } = await runGate({
        url: f.url,
        candidate: f.model,
        shipped: resolve(ROOT, 'model'),
        testData: f.testData ?? [existingDir(dataRoot())],
        testNeither: f.testNeither ?? [existingDir(neitherRoot())],
        feedback: f.feedback,
        seed: f.seed,
        force: f.force === true,
        cacheDir: f.cache,
        workers: f.workers ?? defaultWorkers(),
        batchSize: f.featureBatch,
        backend: f.backend as NodeBackend | undefined
      });
      console.log(`gate: candidate ${version} against ${activeLabel}, the same photos\n${formatGate(gate, version)}\n`);
      if (!gate.passed && !gate.forced) throw new Error(`refused: ${dropped.join(', ')} dropped by more than 0.3 points (--force publishes anyway)`);
      const r = await publishModel({ url: f.url, modelDir: f.model, token, activate: f.activate ?? false, addToMetadata: { gate } });
      console.log(`gate ${gate.passed ? 'passed' : 'failed, publishing anyway (--force, recorded)'}`);
      console.log(`published ${r.version} (${r.state}): ${r.files.map((x) => `${x.path} (${x.bytes} B)`).join(', ')}`);
    });
}

/** A date or time as the ISO time the API compares with (a bare date is midnight UTC). */
const isoTime = (value: string): string => {
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) throw new InvalidArgumentError('expected a date or time, e.g. 2026-11-01 or 2026-11-01T12:00:00Z.');
  return t.toISOString();
};

function feedbackProgram(): Command {
  const program = cliProgram('feedback', 'Feedback photos people chose to share, reviewed on /review.');
  program
    .command('pull')
    .description(
      'Downloads the approved photos into DIR/{cat,dog,neither}/<id>.jpg with DIR/manifest.csv (needs ADMIN_TOKEN). A second run fetches only what is missing or damaged, and moves relabelled photos.'
    )
    .option('--url <url>', 'base URL of the API', process.env.PAWLENS_URL ?? 'http://127.0.0.1:8787')
    .option('--out <dir>', 'where the photos go', resolve(ROOT, 'feedback-data'))
    .option('--since <date>', 'only photos approved (with --all: uploaded) since then; keeps what the folder already holds', isoTime)
    .option('--all', "every photo not rejected: approved ones with the maintainer's label, pending ones with the person's")
    .addHelpText('after', '\nExamples:\n  npm run feedback -- pull --url http://127.0.0.1:8787\n  npm run feedback -- pull --url https://pawlens.example.com --out ~/feedback --all')
    .action(async (f) => {
      const { apiClient, requireAdminToken } = await import('./api-client.ts');
      const { formatSummary, pullFeedback } = await import('./feedback/pull.ts');
      const out = resolve(f.out);
      const summary = await pullFeedback(apiClient(f.url, requireAdminToken()), { out, since: f.since, all: f.all === true });
      console.log(formatSummary(summary, out));
      if (summary.failed.length) throw new Error(`${summary.failed.length} photo(s) could not be fetched; run pull again to retry them`);
    });
  return program;
}

function runsProgram(): Command {
  return cliProgram('runs', 'Lists training runs, or compares two.')
    .option('--compare <ids...>', 'two run ids (or unique prefixes) to compare')
    .option('--runs <dir>', 'run registry (default: $PAWLENS_RUNS or runs/)')
    .action(async (f) => {
      const { compareRuns, listRuns, runsRoot, runsTable } = await import('./tracking.ts');
      const root = runsRoot(f.runs);
      const runs = listRuns(root);
      if (!f.compare) return console.log(runs.length ? runsTable(runs) : `no runs under ${root}`);
      if (f.compare.length !== 2) throw new Error('--compare takes two run ids');
      const [a, b] = (f.compare as string[]).map((id) => {
        const found = runs.filter((r) => r.id.startsWith(id));
        if (found.length !== 1) throw new Error(`${found.length ? 'several runs start with' : 'no run starts with'} "${id}"`);
        return found[0]!;
      });
      console.log(compareRuns(a!, b!));
    });
}

const programs: Record<string, () => Command> = {
  train: trainProgram,
  eval: evalProgram,
  predict: predictProgram,
  publish: publishProgram,
  runs: runsProgram,
  feedback: feedbackProgram
};
const [name, ...args] = process.argv.slice(2);
const make = programs[name ?? ''];
if (!make) {
  console.error(`error: unknown command "${name ?? ''}" (${Object.keys(programs).join(' | ')})`);
  process.exit(1);
}
try {
  await make().parseAsync(args, { from: 'user' });
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
}
