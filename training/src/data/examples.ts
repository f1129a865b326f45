/**
 * Gathers the examples of a training run from its sources: cat/dog/neither folders (`--data`, any
 * number), a folder of photos with no cat or dog (`--neither`), cat/dog photos from other sources
 * (`--extra`: its train split is trained on, the rest only reported, never used to choose), and
 * made-up non-pet images (`--synthetic`). Each example keeps its source and category for reports.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { sha256Hex } from './fingerprint.ts';
import type { Split } from './split.ts';
import { SYNTHETIC_KINDS, type SyntheticKind } from './synthetic.ts';
import { CLASS_NAMES, countBy, fingerprintOf, scanDataset, type Counts, type ImageItem, type LabelIndex, type Skipped } from './scan.ts';

export type SourceRole = 'data' | 'neither' | 'extra';

export interface SourceSpec {
  root: string;
  role: SourceRole;
  /** carve val/test from this folder when it has no split folders, whatever GatherOptions.carve says (the publish gate's feedback photos) */
  carve?: boolean;
}

export interface Example {
  /** stable identity: the file's sha256, or a hash naming a synthetic image */
  id: string;
  label: LabelIndex;
  split: Split;
  /** short source name for reports (folder name, or "synthetic") */
  source: string;
  role: SourceRole | 'synthetic';
  category: string;
  /** photo file; absent for synthetic images */
  path?: string;
  rel: string;
  synthetic?: { kind: SyntheticKind; seed: number; index: number };
  /** only reported (an extra source's val/test), never used for fitting or choosing */
  reportOnly: boolean;
}

export interface SourceSummary {
  name: string;
  root: string;
  role: SourceRole | 'synthetic';
  layout: string;
  /** val and test were carved from it with the seed (it had no split folders) */
  carved: boolean;
  counts: Counts;
}

export interface Gathered {
  examples: Example[];
  skipped: (Skipped & { source: string })[];
  sources: SourceSummary[];
}

export interface SyntheticCounts {
  train: number;
  val: number;
  test: number;
}

/** Photos found, on review, to carry the wrong label (file sha256 → why), listed in training/data/exclusions.csv. */
export function readExclusions(file = resolve(import.meta.dirname, '../../data/exclusions.csv')): Map<string, string> {
  if (!existsSync(file)) return new Map();
  const rows = readFileSync(file, 'utf8').trim().split('\n').slice(1);
  return new Map(rows.map((r) => r.split(',')).map(([sha, , ...reason]) => [sha!, reason.join(',')]));
}

/** `n` made-up images of each split, cycling through the kinds, seeded. */
export function syntheticExamples(counts: SyntheticCounts, seed: number): Example[] {
  const out: Example[] = [];
  let index = 0;
  for (const split of ['train', 'val', 'test'] as const) {
    for (let i = 0; i < counts[split]; i++, index++) {
      const kind = SYNTHETIC_KINDS[index % SYNTHETIC_KINDS.length]!;
      out.push({
        id: sha256Hex(`synthetic:${kind}:${seed}:${index}`),
        label: 2,
        split,
        source: 'synthetic',
        role: 'synthetic',
        category: kind,
        rel: `synthetic/${kind}/${index}`,
        synthetic: { kind, seed, index },
        reportOnly: false
      });
    }
  }
  return out;
}

function fromItem(it: ImageItem, source: string, role: SourceRole): Example {
  return {
    id: it.sha256,
    label: it.label,
    split: it.split,
    source,
    role,
    category: it.category,
    path: it.path,
    rel: it.rel,
    reportOnly: role === 'extra' && it.split !== 'train'
  };
}

export interface GatherOptions {
  seed: number;
  synthetic: SyntheticCounts;
  /** carve val/test out of sources that have no split folders (training); off for evaluation */
  carve?: boolean;
  /** require train images of every label (training) */
  requireAll?: boolean;
  /** file sha256 → reason: left out and reported as skipped */
  exclude?: ReadonlyMap<string, string>;
}

/** Scans every source (failing before any work when a cat/dog source has no cat or no dog) and adds the synthetic images. */
export function gatherExamples(specs: readonly SourceSpec[], opts: GatherOptions): Gathered {
  const examples: Example[] = [];
  const skipped: Gathered['skipped'] = [];
  const sources: SourceSummary[] = [];
  const names = new Set<string>();
  for (const spec of specs) {
    let name = basename(spec.root);
    for (let k = 2; names.has(name); k++) name = `${basename(spec.root)}-${k}`;
    names.add(name);
    const carve = spec.carve ?? opts.carve !== false;
    const scan = scanDataset(spec.root, {
      seed: opts.seed,
      allNeither: spec.role === 'neither',
      // One of several folders may hold some labels only (pulled feedback photos); the labels the run needs are checked below, over all of them.
      ...(specs.length > 1 ? { require: [] } : {}),
      // An extra source is for measuring photos from elsewhere: nothing is carved from its train split.
      ...(spec.role === 'extra' || !carve ? { valFraction: 0, testFraction: 0 } : {})
    });
    const excluded = scan.items.filter((it) => opts.exclude?.has(it.sha256));
    const mine = scan.items.filter((it) => !opts.exclude?.has(it.sha256)).map((it) => fromItem(it, name, spec.role));
    examples.push(...mine);
    skipped.push(...scan.skipped.map((s) => ({ ...s, source: name })));
    skipped.push(...excluded.map((it) => ({ rel: it.rel, source: name, reason: `excluded: ${opts.exclude!.get(it.sha256)}` })));
    sources.push({ name, root: scan.root, role: spec.role, layout: scan.layout, carved: carve && scan.layout !== 'splits' && spec.role !== 'extra', counts: countBy(mine) });
  }
  const synthetic = syntheticExamples(opts.synthetic, opts.seed);
  if (synthetic.length > 0) {
    examples.push(...synthetic);
    sources.push({ name: 'synthetic', root: '', role: 'synthetic', layout: 'generated', carved: false, counts: countBy(synthetic) });
  }
  for (const l of opts.requireAll === false ? [] : ([0, 1, 2] as const)) {
    if (!examples.some((e) => e.label === l && e.split === 'train')) {
      throw new Error(`no ${['cat', 'dog', 'neither'][l]} images to train on (give a folder with ${['cat', 'dog', 'neither'][l]}/ images)`);
    }
  }
  return { examples, skipped, sources };
}

/**
 * Early stopping and calibration need cat and dog photos in val, and the figures need them in test;
 * without, training would run on NaN losses and report 0% as if measured. Tiny sets fail here instead.
 */
export function requireHeldOut(examples: readonly Pick<Example, 'label' | 'split' | 'reportOnly'>[]): void {
  for (const split of ['val', 'test'] as const) {
    for (const label of [0, 1] as const) {
      if (!examples.some((e) => e.split === split && e.label === label && !e.reportOnly)) {
        const name = CLASS_NAMES[label];
        throw new Error(
          `no ${name} photos in the ${split} split: a folder without train/val/test folders gives 10% of each label to val and 10% to test (so at least 5 ${name} photos), or give it val/ and test/ folders`
        );
      }
    }
  }
}

/** The dataset fingerprint over every example used (file hashes, synthetic ids, labels, splits). */
export function examplesFingerprint(examples: readonly Example[]): string {
  return fingerprintOf(examples.map((e) => ({ sha256: e.id, label: e.label, split: e.split })));
}
