/**
 * Finds labelled images under a data folder. Accepted layouts:
 *   DIR/{train,val,test}/{cat,dog}/*   given splits (a missing val or test is carved from train)
 *   DIR/{cat,dog}/*                    class folders, seeded stratified split
 *   DIR/cat.123.jpg, DIR/dog.45.jpg    Kaggle's flat naming (also inside split folders)
 * Every file is hashed. Zero-byte and non-image files are skipped and reported, never fatal; files
 * that fail to decode are caught later, at decode time, the same way.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { datasetFingerprint, sha256Hex } from './fingerprint.ts';
import { stratifiedSplit, type Split } from './split.ts';

export const CLASS_NAMES = ['cat', 'dog'] as const;
const IMAGE_EXT = /\.(jpe?g|png|webp)$/i;
const SPLITS: Split[] = ['train', 'val', 'test'];

export interface ImageItem {
  path: string;
  /** path relative to the data root, for reports */
  rel: string;
  /** 0 = cat, 1 = dog */
  label: 0 | 1;
  split: Split;
  sha256: string;
  bytes: number;
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
}

export function dataRoot(flag?: string): string {
  return resolve(flag ?? process.env.PAWLENS_DATA ?? resolve(import.meta.dirname, '../../../../shared/datasets/catsdogs'));
}

/** Magic bytes of JPEG, PNG and WebP. */
export function looksLikeImage(b: Uint8Array): boolean {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return true;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return true;
  return b.length >= 12 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP';
}

interface Candidate {
  path: string;
  label: 0 | 1;
}

const labelIndex = (name: string): 0 | 1 | null => (name === 'cat' ? 0 : name === 'dog' ? 1 : null);

/** Class folders and Kaggle-named files directly inside `dir`. */
function candidates(dir: string, skipped: Skipped[], root: string): Candidate[] {
  const out: Candidate[] = [];
  const visit = (file: string, label: 0 | 1) => {
    if (IMAGE_EXT.test(file)) out.push({ path: file, label });
    else skipped.push({ rel: relative(root, file), reason: 'not an image file type' });
  };
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const full = join(dir, name);
    const st = statSync(full);
    const folderLabel = labelIndex(name.toLowerCase());
    if (st.isDirectory() && folderLabel !== null) {
      for (const f of readdirSync(full).sort()) {
        if (!f.startsWith('.') && statSync(join(full, f)).isFile()) visit(join(full, f), folderLabel);
      }
    } else if (st.isFile()) {
      const prefix = labelIndex(name.split('.')[0]!.toLowerCase());
      if (prefix !== null) visit(full, prefix);
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
  const skipped: Skipped[] = [];

  const splitDirs = SPLITS.filter((s) => existsSync(join(root, s)) && statSync(join(root, s)).isDirectory());
  const given = new Map<Split, Candidate[]>();
  let layout: ScanResult['layout'];
  if (splitDirs.includes('train')) {
    layout = 'splits';
    for (const s of splitDirs) given.set(s, candidates(join(root, s), skipped, root));
  } else {
    const all = candidates(root, skipped, root);
    layout = existsSync(join(root, 'cat')) || existsSync(join(root, 'dog')) ? 'class-folders' : 'flat';
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
      else ok.push({ path: c.path, rel, label: c.label, sha256: sha256Hex(bytes), bytes: bytes.byteLength });
    }
    hashed.set(split, ok);
  }

  const train = hashed.get('train') ?? [];
  for (const l of [0, 1] as const) {
    const total = [...hashed.values()].flat().filter((x) => x.label === l).length;
    if (total === 0) throw new Error(`no usable ${CLASS_NAMES[l]} images under ${root} (expected ${CLASS_NAMES[l]}/ folders or ${CLASS_NAMES[l]}.N.jpg files)`);
  }

  const items: ImageItem[] = [];
  const missing = { val: !hashed.has('val'), test: !hashed.has('test') };
  const carve = stratifiedSplit(
    train,
    (x) => String(x.label),
    (x) => x.sha256,
    { val: missing.val ? valFraction : 0, test: missing.test ? testFraction : 0 },
    seed
  );
  for (const x of train) items.push({ ...x, split: carve.get(x) ?? 'train' });
  for (const s of ['val', 'test'] as const) for (const x of hashed.get(s) ?? []) items.push({ ...x, split: s });
  return { root, layout, items, skipped };
}

export function fingerprintOf(items: readonly ImageItem[]): string {
  return datasetFingerprint(items.map((i) => ({ sha256: i.sha256, label: CLASS_NAMES[i.label], split: i.split })));
}

export function countBy(items: readonly ImageItem[]): Record<Split, { cat: number; dog: number }> {
  const out = { train: { cat: 0, dog: 0 }, val: { cat: 0, dog: 0 }, test: { cat: 0, dog: 0 } };
  for (const i of items) out[i.split][CLASS_NAMES[i.label]]++;
  return out;
}
