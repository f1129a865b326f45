/**
 * The page's own JavaScript stays free of TensorFlow.js: it lives in the classifier's worker, and on
 * the page it would be parsed and evaluated on the main thread at every start (blocking time).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD } from '../e2e/harness.ts';

const IMMUTABLE = join(BUILD, '_app/immutable');
const built = existsSync(IMMUTABLE);
if (!built) console.warn(`SKIP: no build at ${IMMUTABLE} (vite build)`);

/** A string every TensorFlow.js core bundle carries (tfjs-core's disposed-tensor check). */
const TFJS_MARK = 'Tensor is disposed';

describe.skipIf(!built)('the built app', () => {
  it('has TensorFlow.js in the worker\'s chunks only, not in the page\'s', () => {
    const js = (dir: string) => readdirSync(join(IMMUTABLE, dir)).filter((f) => f.endsWith('.js')).map((f) => join(IMMUTABLE, dir, f));
    const page = ['entry', 'nodes', 'chunks'].flatMap(js);
    expect(page.filter((f) => readFileSync(f, 'utf8').includes(TFJS_MARK))).toEqual([]);
    expect(js('workers/chunks').some((f) => readFileSync(f, 'utf8').includes(TFJS_MARK))).toBe(true);
  });
});
