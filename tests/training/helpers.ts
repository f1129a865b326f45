/** Builds small throwaway datasets in a temp dir from the shared smoke and bad-inputs fixtures. */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASETS } from '../shared-data.ts';

export const SMOKE = join(DATASETS, 'smoke');
export const BAD = join(DATASETS, 'bad-inputs');

export function smokeFiles(label: 'cat' | 'dog'): string[] {
  return readdirSync(join(SMOKE, label))
    .sort()
    .map((f) => join(SMOKE, label, f));
}

/** cat/ and dog/ with `perClass` smoke photos each, plus every bad input under cat/ and a stray text file. */
export function datasetWithBadInputs(perClass: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'pawlens-data-'));
  for (const label of ['cat', 'dog'] as const) {
    mkdirSync(join(dir, label));
    for (const f of smokeFiles(label).slice(0, perClass)) copyFileSync(f, join(dir, label, f.split('/').pop()!));
  }
  for (const f of readdirSync(BAD)) copyFileSync(join(BAD, f), join(dir, 'cat', f));
  writeFileSync(join(dir, 'cat', 'notes.txt'), 'not a photo');
  return dir;
}
