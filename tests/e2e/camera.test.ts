/**
 * The live camera on a real video: Chromium's fake camera plays a Y4M file made here from cat photos,
 * and the live verdict settles on "cat" without anything pressed. The photos are the smoke set's cats
 * that the shipped model calls "cat" when picked as files, so the test holds for any shipped model.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS, haveShared } from '../shared-data.ts';
import { rgbToI420, writeY4m } from './fake-video.ts';
import { CHROMIUM_ARGS, WAIT, budget, classify, haveBrowser, launchPersistent, startStack, waitReady, type Stack } from './harness.ts';

const CATS = join(DATASETS, 'smoke/cat');
const run = haveBrowser() && haveShared(CATS);

describe('a video for the fake camera', () => {
  it('turns RGB into 4:2:0 YCbCr (JPEG range)', () => {
    const white = rgbToI420(new Uint8Array(2 * 2 * 3).fill(255), 2, 2);
    expect([...white]).toEqual([255, 255, 255, 255, 128, 128]);
    const red = rgbToI420(Uint8Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? 255 : 0)), 2, 2);
    expect([...red]).toEqual([76, 76, 76, 76, 85, 255]);
  });
});

describe.skipIf(!run)('the live camera on a video of cats', () => {
  let stack: Stack;
  let dir: string;
  let browser: Awaited<ReturnType<typeof launchPersistent>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pawlens-e2e-video-'));
    stack = await startStack();
    // Chromium opens the file when the camera starts; it is written below, before that.
    browser = await launchPersistent({ args: [...CHROMIUM_ARGS, `--use-file-for-fake-video-capture=${join(dir, 'cats.y4m')}`] });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('settles on "cat" by itself', async () => {
    const { page } = browser;
    await page.goto(stack.server.url);
    await waitReady(page);
    const cats: string[] = [];
    for (const f of readdirSync(CATS).sort()) {
      if (cats.length < 3 && (await classify(page, join(CATS, f))) === 'cat') cats.push(join(CATS, f));
    }
    expect(cats.length).toBeGreaterThan(0);
    await writeY4m(join(dir, 'cats.y4m'), cats);
    await page.getByRole('button', { name: 'Use the camera' }).click();
    const live = page.getByTestId('live-verdict');
    // Settled: "cat" on five looks in a row, a fifth of a second apart.
    const settled = async () => {
      for (let i = 0; i < 5; i++) {
        if ((await live.getAttribute('data-verdict')) !== 'cat') return false;
        await page.waitForTimeout(200);
      }
      return true;
    };
    await expect.poll(settled, { timeout: WAIT.ready, interval: 500 }).toBe(true);
  }, budget(10, WAIT.verdict, 2 * WAIT.ready));
});
