/**
 * The prerendered pages show before their script runs (on a slow phone, or a busy machine, well
 * before): every control whose handler the script attaches is disabled in them, so no tap, click or
 * toggle is lost or shown without effect. The script enables them once mounted (the browser tests
 * click them).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD } from '../e2e/harness.ts';

const built = existsSync(join(BUILD, 'about.html'));
if (!built) console.warn(`SKIP: no prerendered pages in ${BUILD} (vite build)`);

/** The opening tags of `tag` elements in a built page whose opening tag or text matches `what`. */
function controls(page: string, tag: 'button' | 'input', what: RegExp): string[] {
  const html = readFileSync(join(BUILD, page), 'utf8');
  const re = tag === 'button' ? /<button\b[^>]*>[^<]*<\/button>/g : /<input\b[^>]*>/g;
  return [...html.matchAll(re)].map((m) => m[0]).filter((t) => what.test(t));
}

describe.skipIf(!built)('prerendered pages', () => {
  it.each([
    ['index.html', 'button', /Use the camera/, 1],
    ['index.html', 'input', /type="file"/, 1],
    ['about.html', 'button', /Check for a new model/, 1],
    ['about.html', 'input', /type="checkbox"/, 2]
  ] as const)('%s: its %s controls matching %s are disabled until the script runs', (page, tag, what, count) => {
    const found = controls(page, tag, what);
    expect(found).toHaveLength(count);
    for (const t of found) expect(t).toMatch(/\sdisabled(=""|\s|>|\/)/);
  });
});
