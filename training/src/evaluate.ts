/** `npm run eval`: the training metrics for any exported model on any folder of photos. */
import { initBackend, type NodeBackend } from './backend.ts';
import { scanDataset, CLASS_NAMES } from './data/scan.ts';
import { readMetadata } from './metadata.ts';
import { computeMetrics, worstMistakes, type Metrics } from './metrics.ts';
import { loadModel } from './model/io.ts';
import { decodeAll, inputSizeOf, predictPixels } from './model/predict.ts';
import { table } from './tracking.ts';

export interface EvalResult {
  model: { dir: string; version: string; bytes: number; unsureThreshold: number };
  data: { root: string; split: string; n: number; skipped: { rel: string; reason: string }[] };
  backend: string;
  metrics: Metrics;
  unsure: { threshold: number; fraction: number; accuracyAnswered: number };
  worstMistakes: { rel: string; actual: string; pDog: number }[];
  predictMsPerImage: number;
}

/**
 * With given splits, evaluates `split` (default test); a folder without splits is evaluated whole.
 */
export async function evaluate(opts: { data: string; model: string; split?: string; backend?: NodeBackend; batch?: number }): Promise<EvalResult> {
  const backend = await initBackend({ prefer: opts.backend });
  const meta = readMetadata(opts.model);
  const scan = scanDataset(opts.data, { valFraction: 0, testFraction: 0 });
  const split = scan.layout === 'splits' ? (opts.split ?? 'test') : 'all';
  const items = split === 'all' ? scan.items : scan.items.filter((i) => i.split === split);
  if (items.length === 0) throw new Error(`no images in split "${split}" under ${scan.root}`);
  const model = await loadModel(opts.model);
  const [h, w] = inputSizeOf(model);
  if (h !== meta.inputSize[0] || w !== meta.inputSize[1]) throw new Error(`model input ${h}x${w} differs from metadata ${meta.inputSize.join('x')}`);
  const decoded = await decodeAll(items.map((i) => i.path), h, 'decode');
  const { pDog, predictMs } = await predictPixels(model, decoded.pixels, h, meta.normalization, opts.batch ?? 32, 'predict');
  model.dispose();
  const ok = items.map((_, i) => i).filter((i) => pDog[i] !== null);
  const p = ok.map((i) => pDog[i]!);
  const labels = ok.map((i) => items[i]!.label);
  const metrics = computeMetrics(p, labels);
  const answered = p.map((v) => Math.max(v, 1 - v) >= meta.unsureThreshold);
  const nAns = answered.filter(Boolean).length;
  const okAns = p.filter((v, i) => answered[i] && (v >= 0.5 ? 1 : 0) === labels[i]).length;
  return {
    model: { dir: opts.model, version: meta.version, bytes: meta.files.reduce((a, f) => a + f.bytes, 0), unsureThreshold: meta.unsureThreshold },
    data: {
      root: scan.root,
      split,
      n: p.length,
      skipped: [...scan.skipped, ...decoded.failures.map((f) => ({ rel: items[f.index]!.rel, reason: `decode failed: ${f.reason}` }))]
    },
    backend,
    metrics,
    unsure: { threshold: meta.unsureThreshold, fraction: 1 - nAns / Math.max(1, p.length), accuracyAnswered: nAns ? okAns / nAns : 0 },
    worstMistakes: worstMistakes(p, labels, 10).map((i) => ({
      rel: items[ok[i]!]!.rel,
      actual: CLASS_NAMES[labels[i]!],
      pDog: Math.round(p[i]! * 1e4) / 1e4
    })),
    predictMsPerImage: Math.round((predictMs / Math.max(1, p.length)) * 10) / 10
  };
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

export function formatEval(r: EvalResult): string {
  const m = r.metrics;
  const [[cc, cd], [dc, dd]] = m.confusion;
  return [
    `model ${r.model.version} (${(r.model.bytes / 1e6).toFixed(2)} MB) on ${r.data.root} [${r.data.split}], n=${m.n}, backend ${r.backend}`,
    '',
    table(
      ['metric', 'value'],
      [
        ['accuracy', pct(m.accuracy)],
        ['precision cat / dog', `${pct(m.precision.cat)} / ${pct(m.precision.dog)}`],
        ['recall cat / dog', `${pct(m.recall.cat)} / ${pct(m.recall.dog)}`],
        ['F1 cat / dog', `${pct(m.f1.cat)} / ${pct(m.f1.dog)}`],
        ['log loss', m.logLoss.toFixed(4)],
        ['ROC AUC', m.rocAuc.toFixed(4)],
        ['ECE', m.ece.toFixed(4)],
        [`unsure (< ${r.unsure.threshold.toFixed(3)})`, `${pct(r.unsure.fraction)} of images; accuracy on the rest ${pct(r.unsure.accuracyAnswered)}`],
        ['predict ms/image', String(r.predictMsPerImage)]
      ]
    ),
    '',
    table(['actual \\ predicted', 'cat', 'dog'], [['cat', String(cc), String(cd)], ['dog', String(dc), String(dd)]]),
    '',
    r.worstMistakes.length ? `worst mistakes:\n${r.worstMistakes.map((w) => `  ${w.rel} (${w.actual}) p(dog)=${w.pDog}`).join('\n')}` : 'no mistakes',
    r.data.skipped.length ? `skipped: ${r.data.skipped.map((s) => `${s.rel} (${s.reason})`).join('; ')}` : ''
  ].join('\n');
}
