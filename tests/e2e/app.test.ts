/**
 * The app in real Chromium against the real edge worker (wrangler dev, temp state): classification
 * of the smoke set, bad input, tensor leaks in the classifier's worker, a killed worker, WebGL context
 * loss, installability, a photo shared to the app, offline use with feedback that survives a server
 * restart, and model updates (good and corrupt). One worker and one persistent browser profile are
 * shared, in this order, to keep the suite within a few minutes on a small machine. Every wait polls
 * for a state; timeouts add up what a test waits for (harness.ts WAIT, budget).
 */
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS, haveShared } from '../shared-data.ts';
import {
  BUILD,
  CHROMIUM,
  CHROMIUM_ARGS,
  WAIT,
  answer,
  budget,
  classify,
  feedbackConfusion,
  feedbackRows,
  verdictAfter,
  haveBrowser,
  launchPersistent,
  publishModel,
  publishShipped,
  sharePhoto,
  shippedMetadata,
  startStack,
  waitForServiceWorker,
  waitReady,
  workerStats,
  type Stack
} from './harness.ts';
import { writeTwoClassModel } from './two-class-model.ts';

const SMOKE = join(DATASETS, 'smoke');
const BAD = join(DATASETS, 'bad-inputs');
const NOT_PETS = join(DATASETS, 'not-pets/test/vehicles_cars');
const run = haveBrowser() && haveShared(SMOKE, BAD);
const smokeFiles = run
  ? (['cat', 'dog'] as const).flatMap((label) => readdirSync(join(SMOKE, label)).sort().map((f) => ({ label, path: join(SMOKE, label, f) })))
  : [];
/** A photo with no cat or dog in it, for the "neither" tests (which need a three-class shipped model). */
const nonPet = run && haveShared(NOT_PETS) ? join(NOT_PETS, readdirSync(NOT_PETS).sort()[0]!) : null;
const threeClass = run && shippedMetadata().labels.length === 3;
if (run && !threeClass) console.warn('SKIP: the "neither" tests need a three-class shipped model; model/ has labels cat, dog');

describe.skipIf(!run)('the app in Chromium', () => {
  let stack: Stack;
  let browser: Awaited<ReturnType<typeof launchPersistent>>;

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchPersistent();
    browser.page.on('pageerror', (e) => console.error('pageerror:', e.message));
    browser.page.on('console', (m) => m.type() === 'warning' && console.warn('page:', m.text()));
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** Smoke photos the shipped model classified right, by label: later tests that need a sure verdict use these. */
  const right: Record<'cat' | 'dog', string[]> = { cat: [], dog: [] };

  it('classifies at least 18 of the 20 smoke images correctly ("neither" or "unsure" counts as a miss)', async () => {
    const { page } = browser;
    await page.goto(stack.server.url);
    const { version, backend } = await waitReady(page);
    expect(version).toBe(shippedMetadata().version);
    console.log(`classifier ready: model ${version} on ${backend}`);
    const wrong: string[] = [];
    for (const f of smokeFiles) {
      const verdict = await classify(page, f.path);
      if (verdict === f.label) right[f.label].push(f.path);
      else wrong.push(`${f.path}: ${verdict}`);
    }
    const correct = right.cat.length + right.dog.length;
    console.log(`smoke: ${correct}/20 correct${wrong.length ? `; wrong: ${wrong.join(', ')}` : ''}`);
    expect(correct).toBeGreaterThanOrEqual(18);
  }, budget(20, WAIT.verdict, WAIT.ready));

  describe.skipIf(!threeClass || !nonPet)('a photo with no cat or dog', () => {
    /** The look of the result on screen: its left border, which carries the verdict's colour and style. */
    const look = () => browser.page.locator('[data-verdict]').evaluate((e) => {
      const s = getComputedStyle(e);
      return `${s.borderLeftStyle} ${s.borderLeftColor} ${s.backgroundColor}`;
    });

    it('shows "No cat or dog here", with its own look and a bar for each of the three probabilities', async () => {
      const { page } = browser;
      expect(await classify(page, smokeFiles[0]!.path)).toBe('cat');
      const catLook = await look();
      expect(await classify(page, nonPet!)).toBe('neither');
      expect(await page.locator('#verdict-heading').textContent()).toBe('No cat or dog here');
      expect(await look()).not.toBe(catLook);
      expect(await page.getByTestId('probabilities').locator('dt').allTextContents()).toEqual(['cat', 'dog', 'neither']);
      expect(await page.locator('[data-testid^="feedback-"]').allTextContents()).toEqual(['Right', "It's a cat", "It's a dog"]);
    });

    it('"It\'s a cat" on it reaches /api/performance as actual cat, predicted neither', async () => {
      const { page } = browser;
      const version = (await page.getByTestId('model-version').textContent())!;
      const cell = async () => (await feedbackConfusion(stack.server.url, version))?.cat.neither ?? 0;
      const before = await cell();
      expect(await classify(page, nonPet!)).toBe('neither');
      await page.getByRole('button', { name: "It's a cat" }).click();
      await expect.poll(cell, { timeout: WAIT.sync, interval: 500 }).toBe(before + 1);
    });
  });

  it('shows an error for files that are not images and keeps working', async () => {
    const { page } = browser;
    for (const bad of ['not-an-image.jpg', 'empty.jpg']) {
      expect(await classify(page, join(BAD, bad))).toBeNull();
      await expect.poll(() => page.getByTestId('error').textContent()).toContain(bad);
      expect(await classify(page, smokeFiles[0]!.path)).not.toBeNull();
      expect(await page.getByTestId('error').count()).toBe(0);
    }
  });

  it('downscales a huge photo before classifying it and honours EXIF orientation', async () => {
    const { page } = browser;
    const dir = mkdtempSync(join(tmpdir(), 'pawlens-e2e-photos-'));
    try {
      // 8000×6000, and a landscape 600×300 whose EXIF says "rotate 90°" (so it shows as portrait).
      const huge = join(dir, 'huge.jpg');
      await sharp(smokeFiles[0]!.path).resize(8000, 6000, { fit: 'fill' }).jpeg({ quality: 80 }).toFile(huge);
      const rotated = join(dir, 'rotated.jpg');
      await sharp(smokeFiles[1]!.path).resize(600, 300, { fit: 'fill' }).withMetadata({ orientation: 6 }).jpeg().toFile(rotated);
      const shown = () => page.getByRole('img', { name: 'What you chose to classify' }).evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
      expect(await classify(page, huge)).not.toBeNull();
      expect(await shown()).toEqual([1024, 768]);
      expect(await classify(page, rotated)).not.toBeNull();
      expect(await shown()).toEqual([300, 600]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the worker\'s tensor count flat over 100 classifications', async () => {
    const { page } = browser;
    await page.goto(stack.server.url);
    await waitReady(page);
    await classify(page, smokeFiles[10]!.path);
    const after1 = (await workerStats(page)).numTensors;
    for (let i = 0; i < 99; i++) expect(await classify(page, smokeFiles[i % 20]!.path)).not.toBeNull();
    expect((await workerStats(page)).numTensors).toBe(after1);
  }, budget(100, WAIT.verdict, WAIT.ready));

  it('brings up a new worker when the classifier\'s worker dies, and keeps answering (also a photo in flight)', async () => {
    const { page } = browser;
    const restarts = () => page.evaluate(() => (globalThis as unknown as { __pawlens: { workerRestarts(): number } }).__pawlens.workerRestarts());
    const classifier = () => page.workers().find((w) => /\/workers\/worker-[^/]+\.js$/.test(w.url()));
    const kill = async () => {
      const before = await restarts();
      // As a crash would: the worker ends without a word to the page.
      await classifier()!.evaluate('close()').catch(() => undefined);
      await expect.poll(restarts, { timeout: WAIT.ready }).toBe(before + 1);
    };
    await kill();
    expect(await classify(page, right.cat[0]!)).toBe('cat');
    expect(await verdictAfter(page, async () => {
      await page.getByTestId('file-input').setInputFiles(right.dog[0]!);
      await kill();
    })).toBe('dog');
    await expect.poll(() => page.workers().filter((w) => /\/workers\/worker-/.test(w.url())).length).toBe(1);
  }, budget(3, WAIT.verdict, 2 * WAIT.ready));

  it('leaks no tensors on WebGL, and keeps working on the next backend when its context is lost', async () => {
    // WebGL is SwiftShader (software) here: a few predictions only.
    const { page } = browser;
    await page.goto(`${stack.server.url}/?backend=webgl`);
    expect((await waitReady(page)).backend).toBe('webgl');
    await classify(page, smokeFiles[10]!.path);
    const after1 = (await workerStats(page)).numTensors;
    await classify(page, smokeFiles[11]!.path);
    await classify(page, smokeFiles[12]!.path);
    expect((await workerStats(page)).numTensors).toBe(after1);
    await page.evaluate(() => (globalThis as unknown as { __pawlens: { loseWebGLContext(): Promise<void> } }).__pawlens.loseWebGLContext());
    await expect.poll(() => page.getByTestId('backend').textContent(), { timeout: WAIT.ready }).toBe('wasm');
    expect(await classify(page, smokeFiles[12]!.path)).not.toBeNull();
  }, budget(4, WAIT.verdict, 2 * WAIT.ready));

  it('shows a live verdict from the camera without pressing anything; "Take photo" freezes it; hidden, the camera stops', async () => {
    const { page } = browser;
    const live = page.getByTestId('live-verdict');
    const verdicts = /^(cat|dog|neither|unsure)$/;
    await page.getByRole('button', { name: 'Use the camera' }).click();
    await expect.poll(() => live.getAttribute('data-verdict'), { timeout: WAIT.ready }).toMatch(verdicts);
    await page.getByRole('button', { name: 'Switch camera' }).click();
    await expect.poll(() => live.getAttribute('data-verdict'), { timeout: WAIT.verdict }).toMatch(verdicts);
    const verdict = await verdictAfter(page, () => page.getByRole('button', { name: 'Take photo' }).click());
    expect(verdict).toMatch(verdicts);
    // The shutter closed the camera: the frame and its verdict stay for feedback.
    await page.getByRole('button', { name: 'Use the camera' }).waitFor();
    expect(await page.locator('[data-testid^="feedback-"]').count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Use the camera' }).click();
    await expect.poll(() => live.getAttribute('data-verdict'), { timeout: WAIT.verdict }).toMatch(verdicts);
    await page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { value: true, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await page.getByRole('button', { name: 'Use the camera' }).waitFor();
    expect(await page.locator('video').evaluate((v: HTMLVideoElement) => v.srcObject)).toBeNull();
    await page.evaluate(() => delete (document as { hidden?: boolean }).hidden);
  }, budget(3, WAIT.verdict, WAIT.ready));

  it('classifies a dropped and a pasted photo', async () => {
    const { page } = browser;
    const b64 = readFileSync(smokeFiles[2]!.path).toString('base64');
    for (const how of ['drop', 'paste'] as const) {
      const verdict = await verdictAfter(page, () =>
        page.evaluate(
          ({ b64, how }) => {
            const data = new DataTransfer();
            data.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], `${how}.jpg`, { type: 'image/jpeg' }));
            const event = how === 'drop' ? new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }) : new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
            (how === 'drop' ? document.querySelector('[aria-label="Choose a photo"]')! : document).dispatchEvent(event);
          },
          { b64, how }
        )
      );
      expect(verdict, how).not.toBeNull();
    }
  });

  it('is installable (manifest, icons, service worker)', async () => {
    const { page, context } = browser;
    await waitForServiceWorker(page);
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);
    const manifest = await cdp.send('Page.getAppManifest');
    expect(manifest.errors).toEqual([]);
    await cdp.detach();
  });

  it('offers "reload to update" when a new service worker is waiting, and reloads into it', async () => {
    const { page } = browser;
    await page.goto(stack.server.url);
    await waitForServiceWorker(page);
    // A new deployment: the service worker script changes (wrangler dev serves build/web as it is on disk).
    const sw = join(BUILD, 'service-worker.js');
    const original = readFileSync(sw);
    try {
      appendFileSync(sw, `\n// e2e deployment ${Date.now()}\n`);
      await page.reload();
      await page.getByText('An update is available.').waitFor({ timeout: WAIT.serviceWorker });
      await Promise.all([page.waitForEvent('load', { timeout: WAIT.serviceWorker }), page.getByRole('button', { name: 'Reload to update' }).click()]);
      await waitReady(page);
      expect(await page.getByText('An update is available.').count()).toBe(0);
      const state = await page.evaluate(async () => {
        const reg = await navigator.serviceWorker.getRegistration();
        return { waiting: reg?.waiting ?? null, active: reg?.active?.state, controlled: navigator.serviceWorker.controller !== null };
      });
      expect(state).toEqual({ waiting: null, active: 'activated', controlled: true });
    } finally {
      writeFileSync(sw, original);
    }
  }, budget(0, 0, 2 * WAIT.serviceWorker + WAIT.ready));

  it('classifies a photo shared to it (the share target\'s POST, taken by the service worker), also offline', async () => {
    const { page, context } = browser;
    await waitForServiceWorker(page);
    try {
      for (const offline of [false, true]) {
        await context.setOffline(offline);
        await sharePhoto(page, right.dog[0]!);
        expect(await page.getByTestId('verdict').textContent(), offline ? 'offline' : 'online').toBe('dog');
        // The page took the shared photo and cleaned its address.
        expect(new URL(page.url()).search).toBe('');
      }
    } finally {
      await context.setOffline(false);
    }
  }, budget(2, WAIT.verdict, 2 * WAIT.ready));

  it('works offline, and feedback given offline reaches the server exactly once', async () => {
    const { page, context } = browser;
    await waitForServiceWorker(page);
    const before = await feedbackRows(stack.server.url);
    await context.setOffline(true);
    await page.reload();
    await waitReady(page);
    for (const f of smokeFiles.slice(0, 5)) {
      expect(await classify(page, f.path)).not.toBeNull();
      await answer(page, f.label);
    }
    await expect.poll(() => page.getByTestId('outbox-count').textContent()).not.toBe('0');
    expect(await feedbackRows(stack.server.url)).toBe(before);
    await context.setOffline(false);
    await expect.poll(() => page.getByTestId('outbox-count').textContent(), { timeout: WAIT.sync }).toBe('0');
    expect(await feedbackRows(stack.server.url)).toBe(before + 5);
  }, budget(5, WAIT.verdict, WAIT.ready + WAIT.sync));

  it('loses nothing and counts nothing twice when the server is down during the sync', async () => {
    const { page, context } = browser;
    const before = await feedbackRows(stack.server.url);
    await context.setOffline(true);
    for (const f of smokeFiles.slice(10, 15)) {
      expect(await classify(page, f.path)).not.toBeNull();
      await answer(page, f.label);
    }
    await stack.restart(async () => {
      // Back online while the server is down: the sync fails and backs off, items stay queued.
      await context.setOffline(false);
      await page.waitForTimeout(3000);
      expect(Number(await page.getByTestId('outbox-count').textContent())).toBeGreaterThanOrEqual(5);
    });
    await expect.poll(() => page.getByTestId('outbox-count').textContent(), { timeout: WAIT.sync, interval: 500 }).toBe('0');
    expect(await feedbackRows(stack.server.url)).toBe(before + 5);
  }, budget(5, WAIT.verdict, WAIT.ready + WAIT.sync));

  it('sends nothing while sharing is off, and the waiting answers once it is on again', async () => {
    const { page } = browser;
    const before = await feedbackRows(stack.server.url);
    await page.goto(`${stack.server.url}/about`);
    const toggle = page.getByLabel('Send my answers and performance figures');
    await toggle.uncheck();
    await page.getByText('(sharing is off)').waitFor();
    await page.getByRole('link', { name: 'Classify' }).click();
    await waitReady(page);
    expect(await classify(page, smokeFiles[3]!.path)).not.toBeNull();
    await answer(page, 'neither');
    await expect.poll(() => page.getByTestId('outbox-count').textContent()).toBe('1');
    await page.waitForTimeout(2000);
    expect(await feedbackRows(stack.server.url)).toBe(before);
    await page.getByRole('link', { name: 'About' }).click();
    await toggle.check();
    await expect.poll(() => page.getByTestId('outbox-count').textContent(), { timeout: WAIT.sync }).toBe('0');
    expect(await feedbackRows(stack.server.url)).toBe(before + 1);
  }, budget(1, WAIT.verdict, WAIT.ready + WAIT.sync));

  describe('model updates', () => {
    const shipped = run ? shippedMetadata() : null;
    const publish = (version: string) => publishShipped(stack.server.url, version);

    it('picks up a newer published model and shows its version', async () => {
      const { page, context } = browser;
      await context.setOffline(false);
      const next = `${shipped!.version}-next`;
      await publish(next);
      await page.goto(stack.server.url);
      await expect.poll(() => page.getByTestId('model-version').textContent(), { timeout: WAIT.ready }).toBe(next);
      expect(await classify(page, smokeFiles[19]!.path)).not.toBeNull();
      // Remembered: the next start loads it straight away.
      await page.reload();
      expect((await waitReady(page)).version).toBe(next);
    }, budget(1, WAIT.verdict, 2 * WAIT.ready));

    it('"Check for a new model" says what it found, and moves to a newer one', async () => {
      const { page } = browser;
      await page.goto(`${stack.server.url}/about`);
      const status = page.getByTestId('model-check');
      const check = () => page.getByRole('button', { name: 'Check for a new model' }).click({ timeout: WAIT.ready });
      await check();
      await expect.poll(() => status.textContent(), { timeout: WAIT.ready }).toContain(`You have the newest model (${shipped!.version}-next).`);
      const newer = `${shipped!.version}-next2`;
      await publish(newer);
      await check();
      await expect.poll(() => status.textContent(), { timeout: WAIT.ready }).toContain(`Now using model ${newer}.`);
    }, budget(0, 0, 3 * WAIT.ready));

    it('never activates a version whose file fails its sha256 check', async () => {
      // The worker itself refuses publishes with a wrong digest, so the corruption happens in transit:
      // a fresh profile (service workers blocked so routing sees every request) gets a tampered shard.
      const corrupt = `${shipped!.version}-zcorrupt`;
      await publish(corrupt);
      const b = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      try {
        const ctx = await b.newContext({ serviceWorkers: 'block' });
        const page = await ctx.newPage();
        let tampered = 0;
        await page.route(`**/api/models/${corrupt}/*.bin`, async (route) => {
          const res = await route.fetch();
          const body = Buffer.from(await res.body());
          const mid = body.length >> 1;
          body[mid] = body[mid]! ^ 0xff;
          tampered++;
          await route.fulfill({ response: res, body });
        });
        // The check is what reports the failure; a network hiccup on a busy machine is retried.
        await page.goto(`${stack.server.url}/about?backend=wasm`);
        const status = page.getByTestId('model-check');
        const check = page.getByRole('button', { name: 'Check for a new model' });
        for (let attempt = 0; attempt < 5 && !(await status.textContent())?.includes('sha256'); attempt++) {
          await check.click({ timeout: WAIT.ready });
          await check.waitFor({ timeout: WAIT.ready });
        }
        expect(await status.textContent()).toContain('sha256');
        expect(tampered).toBeGreaterThan(0);
        // Remembered as rejected: not downloaded again, and never used.
        await check.click({ timeout: WAIT.ready });
        await expect.poll(() => status.textContent(), { timeout: WAIT.ready }).toContain(`You have the newest model (${shipped!.version}).`);
        await page.goto(`${stack.server.url}/?backend=wasm`);
        expect((await waitReady(page)).version).toBe(shipped!.version);
        expect(await classify(page, smokeFiles[0]!.path)).not.toBeNull();
      } finally {
        await b.close();
      }
    }, budget(1, WAIT.verdict, 4 * WAIT.ready));

    it('still works with an older two-class model published to the API', async () => {
      const { page } = browser;
      const version = `${shipped!.version}-two-class`;
      const dir = mkdtempSync(join(tmpdir(), 'pawlens-e2e-two-class-'));
      try {
        // Cut from the shipped three-class model; a shipped model that is still two-class is one already.
        if (shipped!.labels.length === 3) await writeTwoClassModel(join(BUILD, 'model'), dir, version);
        else cpSync(join(BUILD, 'model'), dir, { recursive: true });
        await publishModel(stack.server.url, version, dir);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      await page.goto(stack.server.url);
      await expect.poll(() => page.getByTestId('model-version').textContent(), { timeout: WAIT.ready }).toBe(version);
      expect(await classify(page, smokeFiles[0]!.path)).toBe('cat');
      expect(await page.getByTestId('probabilities').locator('dt').allTextContents()).toEqual(['cat', 'dog']);
      await answer(page, 'cat');
      await expect.poll(async () => (await feedbackConfusion(stack.server.url, version))?.cat.cat, { timeout: WAIT.sync, interval: 500 }).toBe(1);
      // Remembered across a restart (IndexedDB and the model cache), and described as a two-class model.
      await page.reload();
      expect((await waitReady(page)).version).toBe(version);
      await page.getByRole('link', { name: 'About' }).click();
      await expect.poll(() => page.getByTestId('model-labels').textContent(), { timeout: WAIT.ready }).toBe('cat, dog');
      expect(await page.getByTestId('model-outcomes').textContent()).toContain('cannot answer “no cat or dog here”');
    });
  });
});
