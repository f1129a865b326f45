/**
 * The app on a phone-sized touch screen (360×800, mobile emulation): no paste hint, the verdict brought
 * into view and announced after a photo, a photo picked before the classifier is ready, and feedback
 * that can be changed until it is sent (the server stores the final answer, once).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS, haveShared } from '../shared-data.ts';
import { CHROMIUM, CHROMIUM_ARGS, WAIT, budget, classify, feedbackConfusion, haveBrowser, startStack, waitReady, type Stack } from './harness.ts';

const SMOKE = join(DATASETS, 'smoke');
const run = haveBrowser() && haveShared(SMOKE);
const photos = (label: string) => (run ? readdirSync(join(SMOKE, label)).sort().map((f) => join(SMOKE, label, f)) : []);

describe.skipIf(!run)('on a phone (360×800, touch)', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    stack = await startStack();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 360, height: 800 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('classifies a photo picked before the classifier is ready, once it is, and shows no paste hint', async () => {
    await page.goto(stack.server.url);
    // The picker works as soon as the page's script runs (it is disabled in the prerendered page until then).
    await expect.poll(() => page.getByTestId('file-input').isEnabled(), { timeout: WAIT.ready }).toBe(true);
    const early = (await page.getByTestId('backend').textContent()) === '…';
    await page.getByTestId('file-input').setInputFiles(photos('cat')[0]!);
    console.log(early ? 'picked before the classifier was ready' : 'the classifier was ready before the pick (a fast machine)');
    await page.getByTestId('verdict').waitFor({ timeout: WAIT.ready + WAIT.verdict });
    expect(await page.getByTestId('picker-hint').isVisible()).toBe(false);
  }, budget(1, WAIT.verdict, WAIT.ready));

  it('brings the verdict into view after a photo and announces it', async () => {
    await page.evaluate(() => scrollTo(0, 0));
    expect(await classify(page, photos('dog')[0]!)).not.toBeNull();
    const top = () => page.locator('#verdict-heading').evaluate((e) => e.getBoundingClientRect().top);
    await expect.poll(async () => { const t = await top(); return t >= 0 && t < 800; }, { timeout: WAIT.verdict }).toBe(true);
    expect(await page.evaluate(() => scrollY)).toBeGreaterThan(0);
    expect(await page.getByTestId('announcement').textContent()).toMatch(/^(A cat|A dog|No cat or dog here), \d+% sure\.$|^Not sure; it leans to \w+ \(\d+%\)\.$/);
  }, budget(1, WAIT.verdict));

  it('lets an answer change until it is sent; the server gets the final one, once', async () => {
    const version = (await waitReady(page)).version;
    const cell = async (actual: 'cat' | 'dog' | 'neither') => {
      const m = await feedbackConfusion(stack.server.url, version);
      return m ? m[actual].cat + m[actual].dog + m[actual].neither : 0;
    };
    const before = { cat: await cell('cat'), dog: await cell('dog'), neither: await cell('neither') };
    const state = page.getByTestId('feedback-state');
    const choose = (actual: string) => page.locator(`[data-testid^="feedback-"][data-actual="${actual}"]`);

    await page.context().setOffline(true);
    expect(await classify(page, photos('cat')[1]!)).not.toBeNull();
    await choose('dog').click();
    await expect.poll(() => state.getAttribute('data-state')).toBe('waiting');
    await choose('cat').click();
    await expect.poll(() => choose('cat').getAttribute('aria-pressed')).toBe('true');
    expect(await choose('dog').getAttribute('aria-pressed')).toBe('false');
    // The chosen answer reads as chosen, not as disabled.
    expect(await choose('cat').evaluate((b: HTMLButtonElement) => [b.disabled, getComputedStyle(b).opacity])).toEqual([false, '1']);
    await page.context().setOffline(false);
    await expect.poll(() => state.getAttribute('data-state'), { timeout: WAIT.sync }).toBe('sent');
    expect(await state.textContent()).toContain('was sent');
    await expect.poll(() => cell('cat'), { timeout: WAIT.sync }).toBe(before.cat + 1);
    expect(await cell('dog')).toBe(before.dog);
    expect(await cell('neither')).toBe(before.neither);

    // Once sent, it can no longer change: the other answers are off, the chosen one still marked.
    expect(await choose('dog').isDisabled()).toBe(true);
    expect(await choose('cat').evaluate((b) => getComputedStyle(b).opacity)).toBe('1');
  }, budget(1, WAIT.verdict, WAIT.ready + 2 * WAIT.sync));
});
