/**
 * Finds labelled images under a data folder. Labels are cat, dog and neither (no cat or dog).
 * Accepted layouts:
 *   DIR/{train,val,test}/{cat,dog,neither}/*   given splits (a missing val or test is carved from train)
 *   DIR/{cat,dog,neither}/*                    class folders, seeded stratified split
 *   DIR/cat.123.jpg, DIR/neither.7.jpg         Kaggle's flat naming (also inside split folders)
 * Subfolders of a class folder are categories (e.g. neither/food/), reported separately.
 * A `neither` source (`allNeither`) has no class folders: every image is "neither", and its
 * folders (inside split folders or not) are categories, e.g. not-pets/train/food/*.jpg.
 * Every file is hashed. Zero-byte and non-image files are skipped and reported, never fatal; files
 * that fail to decode are caught later, at decode time, the same way.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { LABELS } from '../../../edge/src/contract.ts';
import { datasetFingerprint, sha256Hex } from './fingerprint.ts';
import { stratifiedSplit, type Split } from './split.ts';

export const CLASS_NAMES = LABELS;
export type LabelIndex = 0 | 1 | 2;
const IMAGE_EXT = /\.(jpe?g|png|webp)$/i;
export const SPLITS: Split[] = ['train', 'val', 'test'];

export interface ImageItem {
  path: string;
  /** path relative to the data root, for reports */
  rel: string;
  /** 0 = cat, 1 = dog, 2 = neither */
  label: LabelIndex;
  split: Split;
  sha256: string;
  bytes: number;
  /** the folder's name under its class folder or neither source ('' when none), for per-category figures */
  category: string;
}

export interface Skipped {
  rel: string;
  reason: string;
}

export interface ScanResult {
  root: string;
  layout: 'splits' | 'class-folders' | 'flat';
  items: ImageItem[];
  skipped: Skipped[];
}

export interface ScanOptions {
  seed?: number;
  valFraction?: number;
  testFraction?: number;
  /** every image is "neither"; folders are categories */
  allNeither?: boolean;
  /** labels that must have at least one image (default cat and dog; none for a neither source) */
  require?: readonly LabelIndex[];
}

const SHARED_DATASETS = resolve(import.meta.dirname, '../../../../shared/datasets');

/** Default cat/dog data: `--data`, else $PAWLENS_DATA, else ../shared/datasets/catsdogs. */
export function dataRoot(flag?: string): string {
  return resolve(flag ?? process.env.PAWLENS_DATA ?? join(SHARED_DATASETS, 'catsdogs'));
}

/** Default source of "neither" photos: $PAWLENS_NEITHER, else ../shared/datasets/not-pets. */
export function neitherRoot(): string {
  return resolve(process.env.PAWLENS_NEITHER ?? join(SHARED_DATASETS, 'not-pets'));
}

/** Default cat/dog photos from other sources: $PAWLENS_EXTRA, else ../shared/datasets/pets-extra. */
export function extraRoot(): string {
  return resolve(process.env.PAWLENS_EXTRA ?? join(SHARED_DATASETS, 'pets-extra'));
}

/** Magic bytes of JPEG, PNG and WebP. */
export function looksLikeImage(b: Uint8Array): boolean {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return true;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return true;
  return b.length >= 12 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP';
}

interface Candidate {
  path: string;
  label: LabelIndex;
  category: string;
}

const labelIndex = (name: string): LabelIndex | null => {
  const i = (CLASS_NAMES as readonly string[]).indexOf(name.toLowerCase());
  return i < 0 ? null : (i as LabelIndex);
};

const visible = (dir: string) =>
  readdirSync(dir)
    .filter((n) => !n.startsWith('.'))
    .sort();

/** Every file under `dir` (recursively), with the first subfolder's name as its category. */
function filesUnder(dir: string, category: string, out: { path: string; category: string }[]): void {
  for (const name of visible(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) filesUnder(full, category || name, out);
    else out.push({ path: full, category });
  }
}

/** Class folders and Kaggle-named files directly inside `dir` (or, for a neither source, everything). */
function candidates(dir: string, skipped: Skipped[], root: string, allNeither: boolean): Candidate[] {
  const out: Candidate[] = [];
  const visit = (file: string, label: LabelIndex, category: string) => {
    if (IMAGE_EXT.test(file)) out.push({ path: file, label, category });
    else skipped.push({ rel: relative(root, file), reason: 'not an image file type' });
  };
  if (allNeither) {
    const files: { path: string; category: string }[] = [];
    filesUnder(dir, '', files);
    for (const f of files) visit(f.path, 2, f.category);
    return out;
  }
  for (const name of visible(dir)) {
    const full = join(dir, name);
    const st = statSync(full);
    const folderLabel = labelIndex(name);
    if (st.isDirectory() && folderLabel !== null) {
      const files: { path: string; category: string }[] = [];
      filesUnder(full, '', files);
      for (const f of files) visit(f.path, folderLabel, f.category);
    } else if (st.isFile()) {
      const prefix = labelIndex(name.split('.')[0]!);
      if (prefix !== null) visit(full, prefix, '');
    }
  }
  return out;
}

export function scanDataset(rootArg: string, opts: ScanOptions = {}): ScanResult {
  const root = resolve(rootArg);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`data folder not found: ${root}`);
  const seed = opts.seed ?? 42;
  const valFraction = opts.valFraction ?? 0.1;
  const testFraction = opts.testFraction ?? 0.1;
  const allNeither = opts.allNeither ?? false;
  const skipped: Skipped[] = [];

  const splitDirs = SPLITS.filter((s) => existsSync(join(root, s)) && statSync(join(root, s)).isDirectory());
  const given = new Map<Split, Candidate[]>();
  let layout: ScanResult['layout'];
  if (splitDirs.includes('train')) {
    layout = 'splits';
    for (const s of splitDirs) given.set(s, candidates(join(root, s), skipped, root, allNeither));
  } else {
    const all = candidates(root, skipped, root, allNeither);
    layout = allNeither || CLASS_NAMES.some((l) => existsSync(join(root, l))) ? 'class-folders' : 'flat';
    given.set('train', all);
  }

  // Hash everything first: the bytes decide validity, and a file's hash is its identity.
  const hashed = new Map<Split, Omit<ImageItem, 'split'>[]>();
  for (const [split, cands] of given) {
    const ok: Omit<ImageItem, 'split'>[] = [];
    for (const c of cands) {
      const rel = relative(root, c.path);
      const bytes = readFileSync(c.path);
      if (bytes.byteLength === 0) skipped.push({ rel, reason: 'empty file' });
      else if (!looksLikeImage(bytes)) skipped.push({ rel, reason: 'not a JPEG, PNG or WebP image' });
      else ok.push({ path: c.path, rel, label: c.label, category: c.category, sha256: sha256Hex(bytes), bytes: bytes.byteLength });
    }
    hashed.set(split, ok);
  }

  const all = [...hashed.values()].flat();
  for (const l of opts.require ?? (allNeither ? [] : ([0, 1] as const))) {
    if (!all.some((x) => x.label === l)) {
      const name = CLASS_NAMES[l];
      throw new Error(`no usable ${name} images under ${root} (expected ${name}/ folders or ${name}.N.jpg files)`);
    }
  }
  if (all.length === 0) throw new Error(`no usable images under ${root}`);

  const train = hashed.get('train') ?? [];
  const items: ImageItem[] = [];
  const missing = { val: !hashed.has('val'), test: !hashed.has('test') };
  const carve = stratifiedSplit(
    train,
    (x) => `${x.label}/${x.category}`,
    (x) => x.sha256,
    { val: missing.val ? valFraction : 0, test: missing.test ? testFraction : 0 },
    seed
  );
  for (const x of train) items.push({ ...x, split: carve.get(x) ?? 'train' });
  for (const s of ['val', 'test'] as const) for (const x of hashed.get(s) ?? []) items.push({ ...x, split: s });
  return { root, layout, items, skipped };
}

export function fingerprintOf(items: readonly Pick<ImageItem, 'sha256' | 'label' | 'split'>[]): string {
  return datasetFingerprint(items.map((i) => ({ sha256: i.sha256, label: CLASS_NAMES[i.label], split: i.split })));
}

export type Counts = Record<Split, Record<(typeof CLASS_NAMES)[number], number>>;

export function countBy(items: readonly Pick<ImageItem, 'label' | 'split'>[]): Counts {
  const zero = () => ({ cat: 0, dog: 0, neither: 0 });
  const out: Counts = { train: zero(), val: zero(), test: zero() };
  for (const i of items) out[i.split][CLASS_NAMES[i.label]]++;
  return out;
}
