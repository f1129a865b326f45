/**
 * The page's own JavaScript stays free of TensorFlow.js: it lives in the classifier's worker, and on
 * the page it would be parsed and evaluated on the main thread at every start (blocking time). For
 * the same reason the home page starts without zod and the schemas, which it loads on first use, and
 * the classifier's worker starts without tfjs-layers.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD } from '../e2e/harness.ts';

const IMMUTABLE = join(BUILD, '_app/immutable');
const built = existsSync(IMMUTABLE);
if (!built) console.warn(`SKIP: no build at ${IMMUTABLE} (vite build)`);

/** A string every TensorFlow.js core bundle carries (tfjs-core's disposed-tensor check). */
const TFJS_MARK = 'Tensor is disposed';
/** The name of zod's error class, which every zod bundle carries. */
const ZOD_MARK = 'ZodError';
/** An error message of tfjs-layers' Sequential model. */
const LAYERS_MARK = 'first layer in a Sequential model';

/** The built scripts `file` imports: statically, or with import() (`dynamic`); absolute paths. */
function importsOf(file: string, dynamic: boolean): string[] {
  const code = readFileSync(file, 'utf8');
  const re = dynamic ? /\bimport\(\s*[`'"](\.{1,2}\/[^`'"]+\.js)[`'"]\s*\)/g : /(?:\bfrom|\bimport)\s*["'](\.{1,2}\/[^"']+\.js)["']/g;
  return [...code.matchAll(re)].map((m) => join(dirname(file), m[1]!));
}

/** `files` and every script they import statically, transitively. */
function staticClosure(files: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    importsOf(f, false).forEach(visit);
  };
  files.forEach(visit);
  return seen;
}

describe.skipIf(!built)('the built app', () => {
  it('has TensorFlow.js in the worker\'s chunks only, not in the page\'s', () => {
    const js = (dir: string) => readdirSync(join(IMMUTABLE, dir)).filter((f) => f.endsWith('.js')).map((f) => join(IMMUTABLE, dir, f));
    const page = ['entry', 'nodes', 'chunks'].flatMap(js);
    expect(page.filter((f) => readFileSync(f, 'utf8').includes(TFJS_MARK))).toEqual([]);
    expect(js('workers/chunks').some((f) => readFileSync(f, 'utf8').includes(TFJS_MARK))).toBe(true);
  });

  it('starts the home page without zod: none of the scripts it preloads carries it', () => {
    const html = readFileSync(join(BUILD, 'index.html'), 'utf8');
    const preloaded = [...html.matchAll(/href="\.?\/?(_app\/immutable\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(preloaded.length).toBeGreaterThan(3);
    expect(preloaded.filter((f) => readFileSync(join(BUILD, f), 'utf8').includes(ZOD_MARK))).toEqual([]);
    // ... while the schemas are still in the app, in a chunk of their own.
    expect(readdirSync(join(IMMUTABLE, 'chunks')).some((f) => readFileSync(join(IMMUTABLE, 'chunks', f), 'utf8').includes(ZOD_MARK))).toBe(true);
  });

  it('bundles the schemas into the service worker, a classic script, which may not import()', () => {
    const sw = readFileSync(join(BUILD, 'service-worker.js'), 'utf8');
    expect(sw).toContain(ZOD_MARK);
    expect(sw).not.toMatch(/\bimport\(|\bimport\.meta\b/);
  });

  it("starts the classifier's worker without tfjs-layers, which it loads only for a model its graph runner cannot run", () => {
    const dir = join(IMMUTABLE, 'workers');
    const entry = readdirSync(dir).filter((f) => /^worker-.*\.js$/.test(f)).map((f) => join(dir, f));
    expect(entry).toHaveLength(1);
    // What the worker runs before its first answer: its script, what it import()s at once (the engine,
    // the schemas), and everything those import statically.
    const startUp = staticClosure([...entry, ...importsOf(entry[0]!, true)]);
    expect([...startUp].some((f) => readFileSync(f, 'utf8').includes(TFJS_MARK))).toBe(true);
    expect([...startUp].filter((f) => readFileSync(f, 'utf8').includes(LAYERS_MARK))).toEqual([]);
    const all = readdirSync(join(dir, 'chunks')).map((f) => join(dir, 'chunks', f));
    expect(all.filter((f) => readFileSync(f, 'utf8').includes(LAYERS_MARK))).toHaveLength(1);
  });
});
