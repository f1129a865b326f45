import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gatherExamples, readExclusions, requireHeldOut, syntheticExamples } from '../../training/src/data/examples.ts';
import { sha256Hex } from '../../training/src/data/fingerprint.ts';
import { scanDataset } from '../../training/src/data/scan.ts';
import { SYNTHETIC_KINDS, syntheticImage } from '../../training/src/data/synthetic.ts';
import { haveShared } from '../shared-data.ts';
import { SMOKE, smokeFiles } from './helpers.ts';

const none = { train: 0, val: 0, test: 0 };

describe('synthetic non-pet images', () => {
  it('are fully determined by kind, seed and index, and differ between indices', () => {
    for (const kind of SYNTHETIC_KINDS) {
      const a = syntheticImage(kind, 7, 3, 24, 16);
      expect(a).toHaveLength(24 * 16 * 3);
      expect(syntheticImage(kind, 7, 3, 24, 16)).toEqual(a);
      expect(sha256Hex(syntheticImage(kind, 7, 4, 24, 16))).not.toBe(sha256Hex(a));
    }
  });

  it('come as neither examples in every split, cycling through the kinds, with stable ids', () => {
    const ex = syntheticExamples({ train: 10, val: 3, test: 2 }, 1);
    expect(ex.map((e) => e.split)).toEqual([...Array(10).fill('train'), ...Array(3).fill('val'), ...Array(2).fill('test')]);
    expect(new Set(ex.map((e) => e.label))).toEqual(new Set([2]));
    expect(new Set(ex.slice(0, SYNTHETIC_KINDS.length).map((e) => e.category))).toEqual(new Set(SYNTHETIC_KINDS));
    expect(new Set(ex.map((e) => e.id)).size).toBe(15);
    expect(syntheticExamples({ train: 10, val: 3, test: 2 }, 1).map((e) => e.id)).toEqual(ex.map((e) => e.id));
  });
});

describe.skipIf(!haveShared(SMOKE))('gathering sources', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const tmp = (name: string) => {
    const d = mkdtempSync(join(tmpdir(), `pawlens-${name}-`));
    dirs.push(d);
    return d;
  };

  it('reads a neither/ folder in any layout, with its subfolders as categories', () => {
    const dir = tmp('mixed');
    for (const [label, files] of [
      ['cat', smokeFiles('cat').slice(0, 2)],
      ['dog', smokeFiles('dog').slice(0, 2)],
      ['neither/food', smokeFiles('cat').slice(2, 4)]
    ] as const) {
      mkdirSync(join(dir, label), { recursive: true });
      files.forEach((f) => copyFileSync(f, join(dir, label, f.split('/').pop()!)));
    }
    const scan = scanDataset(dir, { valFraction: 0, testFraction: 0 });
    expect(scan.items.filter((i) => i.label === 2).map((i) => [i.rel.split('/').slice(0, 2).join('/'), i.category])).toEqual([
      ['neither/food', 'food'],
      ['neither/food', 'food']
    ]);
  });

  it('a neither source: every photo is neither, split folders and categories kept', () => {
    const dir = tmp('np');
    for (const split of ['train', 'val']) {
      mkdirSync(join(dir, split, 'rooms'), { recursive: true });
      copyFileSync(smokeFiles('dog')[split === 'train' ? 0 : 1]!, join(dir, split, 'rooms', 'x.jpg'));
    }
    const scan = scanDataset(dir, { allNeither: true, valFraction: 0, testFraction: 0 });
    expect(scan.items.map((i) => [i.split, i.label, i.category])).toEqual([
      ['train', 2, 'rooms'],
      ['val', 2, 'rooms']
    ]);
  });

  it('an extra source trains on its train split and only reports the rest; exclusions are skipped and said', () => {
    const extra = tmp('extra');
    for (const split of ['train', 'val']) {
      for (const label of ['cat', 'dog'] as const) {
        mkdirSync(join(extra, split, label), { recursive: true });
        copyFileSync(smokeFiles(label)[split === 'train' ? 5 : 6]!, join(extra, split, label, 'p.jpg'));
      }
    }
    const excludedFile = join(extra, 'val', 'dog', 'p.jpg');
    const exclude = new Map([[sha256Hex(readFileSync(excludedFile)), 'shows a cat too']]);
    const g = gatherExamples(
      [
        { root: SMOKE, role: 'data' },
        { root: extra, role: 'extra' }
      ],
      { seed: 3, synthetic: { train: 2, val: 1, test: 1 }, exclude }
    );
    const fromExtra = g.examples.filter((e) => e.source === extra.split('/').pop());
    expect(fromExtra.map((e) => [e.split, e.reportOnly]).sort()).toEqual([
      ['train', false],
      ['train', false],
      ['val', true]
    ]);
    // The same photo is in both sources: excluded from each.
    expect(g.skipped.filter((s) => s.reason === 'excluded: shows a cat too').map((s) => `${s.source}:${s.rel}`)).toEqual(['smoke:dog/dog.4011.jpg', `${extra.split('/').pop()}:val/dog/p.jpg`]);
    expect(g.sources.map((s) => s.role)).toEqual(['data', 'extra', 'synthetic']);
    // Smoke has no split folders: val and test are carved from it, seeded.
    expect(new Set(g.examples.filter((e) => e.source === 'smoke').map((e) => e.split))).toEqual(new Set(['train', 'val', 'test']));
  });

  it('merges a feedback folder holding some labels only, splits it seeded like the rest, and names it with its counts', () => {
    const fb = tmp('feedback');
    mkdirSync(join(fb, 'dog'));
    mkdirSync(join(fb, 'neither'));
    smokeFiles('dog').forEach((f, i) => copyFileSync(f, join(fb, 'dog', `${i}.jpg`)));
    copyFileSync(smokeFiles('cat')[0]!, join(fb, 'neither', 'n.jpg'));
    const gather = (carve?: boolean) => gatherExamples([{ root: SMOKE, role: 'data' }, { root: fb, role: 'data', carve }], { seed: 5, synthetic: none, carve: false, requireAll: false });
    const g = gatherExamples(
      [
        { root: SMOKE, role: 'data' },
        { root: fb, role: 'data' }
      ],
      { seed: 5, synthetic: none }
    );
    const name = fb.split('/').pop()!;
    const summary = g.sources.find((s) => s.name === name)!;
    expect(summary).toMatchObject({ role: 'data', layout: 'class-folders', carved: true });
    // Ten dogs: one to val, one to test; the single neither photo stays in train.
    expect(summary.counts).toEqual({ train: { cat: 0, dog: 8, neither: 1 }, val: { cat: 0, dog: 1, neither: 0 }, test: { cat: 0, dog: 1, neither: 0 } });
    const testIds = g.examples.filter((e) => e.source === name && e.split === 'test').map((e) => e.id);
    // Evaluation (the publish gate) carves the same test split when a source asks for it, and only then.
    expect(gather(true).examples.filter((e) => e.source === name && e.split === 'test').map((e) => e.id)).toEqual(testIds);
    expect(new Set(gather().examples.filter((e) => e.source === name).map((e) => e.split))).toEqual(new Set(['train']));
    // Alone, a folder without cats is still refused up front.
    expect(() => gatherExamples([{ root: fb, role: 'data' }], { seed: 5, synthetic: none })).toThrow(/no usable cat images/);
  });

  it('a set too small to hold out cat and dog photos for val and test fails clearly, before any work', () => {
    const small = tmp('small');
    for (const label of ['cat', 'dog'] as const) {
      mkdirSync(join(small, label));
      smokeFiles(label).slice(0, 4).forEach((f) => copyFileSync(f, join(small, label, f.split('/').pop()!)));
    }
    const g = gatherExamples([{ root: small, role: 'data' }], { seed: 1, synthetic: { train: 2, val: 1, test: 1 } });
    expect(() => requireHeldOut(g.examples)).toThrow(/no cat photos in the val split: .*at least 5 cat photos/);
    expect(() => requireHeldOut(gatherExamples([{ root: SMOKE, role: 'data' }], { seed: 1, synthetic: { train: 2, val: 1, test: 1 } }).examples)).not.toThrow();
  });

  it('fails before any work when there is nothing to train a class on', () => {
    expect(() => gatherExamples([{ root: SMOKE, role: 'data' }], { seed: 1, synthetic: none })).toThrow(/no neither images to train on/);
  });
});

describe('the reviewed exclusions list', () => {
  it('names each photo by sha256 with a reason', () => {
    const ex = readExclusions();
    expect(ex.size).toBeGreaterThan(0);
    for (const [sha, reason] of ex) {
      expect(sha).toMatch(/^[0-9a-f]{64}$/);
      expect(reason).toMatch(/^labelled neither but shows /);
    }
  });
});
