/**
 * Pawlens training CLI: train | eval | publish | runs. Thin: parses flags and calls the modules.
 *   npm run train -- --data DIR [--epochs N] [--backbone NAME[,NAME]] [--size PX] [--no-tta] [--out model/]
 *   npm run eval -- --data DIR [--model model/] [--split test] [--json]
 *   npm run publish -- --url URL [--model model/] [--activate]
 *   npm run runs [-- --compare RUN_A RUN_B]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { NodeBackend } from './backend.ts';
import { DEFAULT_AUGMENT } from './data/augment.ts';
import { dataRoot } from './data/scan.ts';
import { evaluate, formatEval } from './evaluate.ts';
import { backbonesRoot } from './model/backbone.ts';
import { DEFAULT_HEAD } from './model/head.ts';
import { POLICIES, type PolicyName } from './model/quantize.ts';
import { adminToken, publishModel } from './publish.ts';
import { compareRuns, listRuns, runsRoot, runsTable } from './tracking.ts';
import { train } from './train.ts';

const ROOT = resolve(import.meta.dirname, '../..');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string' },
    backbone: { type: 'string', default: 'mobilenet_v1_1.0_224_trunc_pw12' },
    'backbones-root': { type: 'string' },
    size: { type: 'string', default: '224' },
    epochs: { type: 'string', default: String(DEFAULT_HEAD.epochs) },
    batch: { type: 'string', default: String(DEFAULT_HEAD.batchSize) },
    lr: { type: 'string', default: String(DEFAULT_HEAD.learningRate) },
    l2: { type: 'string', default: String(DEFAULT_HEAD.l2) },
    dropout: { type: 'string', default: String(DEFAULT_HEAD.dropout) },
    patience: { type: 'string', default: String(DEFAULT_HEAD.patience) },
    hidden: { type: 'string', default: String(DEFAULT_HEAD.hidden) },
    augment: { type: 'string', default: '0' },
    'no-flip': { type: 'boolean', default: false },
    rotate: { type: 'string', default: String(DEFAULT_AUGMENT.rotate) },
    'min-crop': { type: 'string', default: String(DEFAULT_AUGMENT.minCrop) },
    'no-tta': { type: 'boolean', default: false },
    quantize: { type: 'string', default: 'uint8-large,float16,float32' },
    'max-bytes': { type: 'string', default: '2500000' },
    'max-quant-drop': { type: 'string', default: '0.003' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string', default: 'model' },
    model: { type: 'string', default: 'model' },
    activate: { type: 'boolean', default: false },
    cache: { type: 'string', default: resolve(ROOT, '.cache/features') },
    runs: { type: 'string' },
    split: { type: 'string' },
    json: { type: 'boolean', default: false },
    url: { type: 'string' },
    compare: { type: 'boolean', default: false },
    backend: { type: 'string' },
    'feature-batch': { type: 'string', default: '32' }
  }
});

const num = (name: string, v: string | undefined) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${v}`);
  return n;
};

async function main(cmd: string | undefined): Promise<void> {
  const backend = values.backend as NodeBackend | undefined;
  switch (cmd) {
    case 'train': {
      const quantize = values.quantize!.split(',').map((q) => q.trim()) as PolicyName[];
      for (const q of quantize) if (!(q in POLICIES)) throw new Error(`unknown --quantize policy ${q} (known: ${Object.keys(POLICIES).join(', ')})`);
      const seed = num('seed', values.seed);
      await train({
        data: dataRoot(values.data),
        backbonesRoot: backbonesRoot(values['backbones-root']),
        backbones: values.backbone!.split(',').map((b) => b.trim()),
        size: num('size', values.size),
        augment: { ...DEFAULT_AUGMENT, flip: !values['no-flip'], rotate: num('rotate', values.rotate), minCrop: num('min-crop', values['min-crop']) },
        augmentCopies: num('augment', values.augment),
        tta: !values['no-tta'],
        head: {
          epochs: num('epochs', values.epochs),
          batchSize: num('batch', values.batch),
          learningRate: num('lr', values.lr),
          l2: num('l2', values.l2),
          dropout: num('dropout', values.dropout),
          patience: num('patience', values.patience),
          hidden: num('hidden', values.hidden),
          seed
        },
        quantize,
        maxQuantDrop: num('max-quant-drop', values['max-quant-drop']),
        maxBytes: num('max-bytes', values['max-bytes']),
        maxUnsure: 0.03,
        featureBatch: num('feature-batch', values['feature-batch']),
        out: values.out!,
        cacheDir: values.cache!,
        runsDir: runsRoot(values.runs),
        seed,
        backend
      });
      return;
    }
    case 'eval': {
      const r = await evaluate({ data: dataRoot(values.data), model: resolve(values.model!), split: values.split, backend });
      console.log(values.json ? JSON.stringify(r, null, 2) : formatEval(r));
      return;
    }
    case 'publish': {
      if (!values.url) throw new Error('--url is required, e.g. --url http://127.0.0.1:8787');
      const token = adminToken(resolve(ROOT, '.dev.vars'));
      if (!token) throw new Error('ADMIN_TOKEN is not set (environment or .dev.vars)');
      const r = await publishModel({ url: values.url, modelDir: resolve(values.model!), token, activate: values.activate });
      console.log(`published ${r.version} (${r.state}): ${r.files.map((f) => `${f.path} (${f.bytes} B)`).join(', ')}`);
      return;
    }
    case 'runs': {
      const runs = listRuns(runsRoot(values.runs));
      if (values.compare || positionals.length === 3) {
        const [a, b] = positionals.slice(1);
        const ra = runs.find((r) => r.id.startsWith(a ?? '\0'));
        const rb = runs.find((r) => r.id.startsWith(b ?? '\0'));
        if (!ra || !rb) throw new Error('usage: npm run runs -- --compare RUN_A RUN_B (ids or unique prefixes)');
        console.log(compareRuns(ra, rb));
      } else console.log(runs.length ? runsTable(runs) : `no runs under ${runsRoot(values.runs)}`);
      return;
    }
    default:
      throw new Error(`unknown command "${cmd ?? ''}" (train | eval | publish | runs)`);
  }
}

main(positionals[0]).catch((e: Error) => {
  console.error(`error: ${e.message}`);
  process.exit(1);
});
