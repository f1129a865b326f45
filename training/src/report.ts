/**
 * Figures over a set of examples and their probabilities, shared by training (run record) and
 * `npm run eval`: the main split, cat/dog photos from other sources, and the share turned away per
 * source and category. Pure, plus text formatting.
 */
import type { Example } from './data/examples.ts';
import { CLASS_NAMES } from './data/scan.ts';
import { computeMetrics, NEITHER, verdictIndex, worstMistakes, type Metrics } from './metrics.ts';
import { table } from './tracking.ts';

export interface GroupFigure {
  /** source/category for non-pets, source/label for pets */
  group: string;
  n: number;
  /** non-pets: share answered neither or unsure; pets: share given their own label */
  ok: number;
}

export interface Report {
  threshold: number;
  /** the chosen split of the cat/dog/neither sources (report-only sources excluded) */
  main: Metrics;
  /** cat/dog photos from other sources, never used to choose anything */
  crossSource: Metrics | null;
  groups: GroupFigure[];
  worst: { rel: string; actual: string; probabilities: number[] }[];
}

type Labelled = Pick<Example, 'label' | 'source' | 'category' | 'rel' | 'reportOnly'>;

export function groupFigures(examples: readonly Labelled[], probs: readonly (readonly number[])[], threshold: number): GroupFigure[] {
  const groups = new Map<string, { n: number; ok: number }>();
  examples.forEach((e, i) => {
    const name = e.label === NEITHER ? `${e.source}/${e.category || 'neither'}` : `${e.source}/${CLASS_NAMES[e.label]}`;
    const v = verdictIndex(probs[i]!, threshold);
    const ok = e.label === NEITHER ? v >= 2 : v === e.label;
    // Each source's total too: "not-pets" alone is a figure the category lines do not give.
    for (const key of [e.source, name]) {
      const g = groups.get(key) ?? { n: 0, ok: 0 };
      g.n++;
      if (ok) g.ok++;
      groups.set(key, g);
    }
  });
  return [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([group, g]) => ({ group, n: g.n, ok: g.ok / g.n }));
}

/** `examples` are the ones evaluated: the main split plus any report-only ones. */
export function buildReport(examples: readonly Labelled[], probs: readonly (readonly number[])[], threshold: number): Report {
  const pick = (f: (e: Labelled) => boolean) => examples.map((e, i) => (f(e) ? i : -1)).filter((i) => i >= 0);
  const metricsOf = (idx: number[]) => computeMetrics(idx.map((i) => probs[i]!), idx.map((i) => examples[i]!.label), threshold);
  const main = pick((e) => !e.reportOnly);
  const cross = pick((e) => e.reportOnly);
  const worst = worstMistakes(main.map((i) => probs[i]!), main.map((i) => examples[i]!.label), 10).map((k) => {
    const e = examples[main[k]!]!;
    return { rel: `${e.source}/${e.rel}`, actual: CLASS_NAMES[e.label], probabilities: probs[main[k]!]!.map((v) => Math.round(v * 1e4) / 1e4) };
  });
  return {
    threshold,
    main: metricsOf(main),
    crossSource: cross.length ? metricsOf(cross) : null,
    groups: groupFigures(examples, probs, threshold),
    worst
  };
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

export function formatReport(r: Report, title: string): string {
  const m = r.main;
  const labels = CLASS_NAMES.slice(0, m.confusion.length);
  const lines = [
    table(
      ['', 'photos', 'cat/dog photos right (top class)', 'cat vs dog right', 'cat/dog → neither or unsure', 'no cat or dog → neither or unsure'],
      [
        [title, String(m.n), pct(m.accuracy), pct(m.catDogAccuracy), pct(m.petRejected), pct(m.nonPetRejected)],
        ...(r.crossSource
          ? [['cat/dog from other sources', String(r.crossSource.n), pct(r.crossSource.accuracy), pct(r.crossSource.catDogAccuracy), pct(r.crossSource.petRejected), '-']]
          : [])
      ]
    ),
    '',
    `verdicts at the unsure threshold ${r.threshold}: ${r.crossSource ? `other-source cat/dog photos given the right verdict ${pct(r.crossSource.petRight)}; ` : ''}main split ${pct(m.petRight)}`,
    '',
    'confusion (top class; rows actual, columns predicted)',
    table(['', ...labels], labels.map((l, i) => [l, ...m.confusion[i]!.map(String)])),
    '',
    table(
      ['class', 'precision', 'recall', 'F1', 'photos'],
      CLASS_NAMES.map((l) => [l, pct(m.perClass[l].precision), pct(m.perClass[l].recall), pct(m.perClass[l].f1), String(m.perClass[l].support)])
    ),
    '',
    `log loss ${m.logLoss.toFixed(4)}, ECE ${m.ece.toFixed(4)}`,
    '',
    table(['source/category', 'photos', 'right (cat/dog: own label; others: neither or unsure)'], r.groups.map((g) => [g.group, String(g.n), pct(g.ok)]))
  ];
  if (r.worst.length) lines.push('', 'worst mistakes:', ...r.worst.map((w) => `  ${w.rel} (${w.actual}) [${w.probabilities.join(', ')}]`));
  return lines.join('\n');
}
