/**
 * The app in real Chromium against the real edge worker (wrangler dev, temp state): classification
 * of the smoke set, bad input, tensor leaks, installability, offline use with feedback that survives
 * a server restart, and model updates (good and corrupt). One worker and one persistent browser
 * profile are shared, in this order, to keep the suite within a few minutes on a small machine.
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
  answer,
  classify,
  feedbackConfusion,
  feedbackRows,
  verdictAfter,
  haveBrowser,
  launchPersistent,
  publishModel,
  publishShipped,
  shippedMetadata,
  startStack,
  waitForServiceWorker,
  waitReady,
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

  it('classifies at least 18 of the 20 smoke images correctly ("neither" or "unsure" counts as a miss)', async () => {
    const { page } = browser;
    await page.goto(stack.server.url);
    const { version, backend } = await waitReady(page);
    expect(version).toBe(shippedMetadata().version);
    console.log(`classifier ready: model ${version} on ${backend}`);
    let correct = 0;
    const wrong: string[] = [];
    for (const f of smokeFiles) {
      const verdict = await classify(page, f.path);
      if (verdict === f.label) correct++;
      else wrong.push(`${f.path}: ${verdict}`);
    }
    console.log(`smoke: ${correct}/20 correct${wrong.length ? `; wrong: ${wrong.join(', ')}` : ''}`);
    expect(correct).toBeGreaterThanOrEqual(18);
  });

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
      await expect.poll(cell, { timeout: 60_000, interval: 500 }).toBe(before + 1);
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

  it('leaks no tensors over 50 predictions (on WebGL, where leaks cost GPU memory)', async () => {
    const { page } = browser;
    await page.goto(`${stack.server.url}/?backend=webgl`);
    expect((await waitReady(page)).backend).toBe('webgl');
    const tensors = () => page.evaluate(() => (globalThis as unknown as { __pawlens: { numTensors(): number } }).__pawlens.numTensors());
    await classify(page, smokeFiles[10]!.path);
    const after1 = await tensors();
    for (let i = 0; i < 49; i++) await classify(page, smokeFiles[i % 20]!.path);
    expect(await tensors()).toBe(after1);
  }, 600_000); // 50 predictions on software WebGL: about a second each, far more when the machine is busy

  it('keeps working on the next backend when the WebGL context is lost', async () => {
    const { page } = browser;
    expect(await page.getByTestId('backend').textContent()).toBe('webgl');
    await page.evaluate(() => (globalThis as unknown as { __pawlens: { loseWebGLContext(): void } }).__pawlens.loseWebGLContext());
    await expect.poll(() => page.getByTestId('backend').textContent(), { timeout: 60_000 }).toBe('wasm');
    expect(await classify(page, smokeFiles[12]!.path)).not.toBeNull();
  });

  it('classifies a frame from the camera', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Use the camera' }).click();
    await page.getByRole('button', { name: 'Switch camera' }).click();
    const verdict = await verdictAfter(page, () => page.getByRole('button', { name: 'Take photo' }).click());
    expect(['cat', 'dog', 'neither', 'unsure']).toContain(verdict);
    await page.getByRole('button', { name: 'Close camera' }).click();
  });

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
      await page.getByText('An update is available.').waitFor({ timeout: 60_000 });
      await Promise.all([page.waitForEvent('load', { timeout: 60_000 }), page.getByRole('button', { name: 'Reload to update' }).click()]);
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
  });

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
    await expect.poll(() => page.getByTestId('outbox-count').textContent(), { timeout: 60_000 }).toBe('0');
    expect(await feedbackRows(stack.server.url)).toBe(before + 5);
  });

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
    await expect.poll(() => page.getByTestId('outbox-count').textContent(), { timeout: 90_000, interval: 500 }).toBe('0');
    expect(await feedbackRows(stack.server.url)).toBe(before + 5);
  });

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
    await expect.poll(() => page.getByTestId('outbox-count').textContent(), { timeout: 30_000 }).toBe('0');
    expect(await feedbackRows(stack.server.url)).toBe(before + 1);
  });

  describe('model updates', () => {
    const shipped = run ? shippedMetadata() : null;
    const publish = (version: string) => publishShipped(stack.server.url, version);

    it('picks up a newer published model and shows its version', async () => {
      const { page, context } = browser;
      await context.setOffline(false);
      const next = `${shipped!.version}-next`;
      await publish(next);
      await page.goto(stack.server.url);
      await expect.poll(() => page.getByTestId('model-version').textContent(), { timeout: 90_000 }).toBe(next);
      expect(await classify(page, smokeFiles[19]!.path)).not.toBeNull();
      // Remembered: the next start loads it straight away.
      await page.reload();
      expect((await waitReady(page)).version).toBe(next);
    });

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
        const warnings: string[] = [];
        page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
        await page.goto(`${stack.server.url}/?backend=wasm`);
        await waitReady(page);
        await expect.poll(() => tampered, { timeout: 60_000 }).toBeGreaterThan(0);
        await expect.poll(() => warnings.some((w) => w.includes('Model update failed'))).toBe(true);
        expect(await page.getByTestId('model-version').textContent()).toBe(shipped!.version);
        await page.reload();
        expect((await waitReady(page)).version).toBe(shipped!.version);
        expect(await classify(page, smokeFiles[0]!.path)).not.toBeNull();
      } finally {
        await b.close();
      }
    });

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
      await expect.poll(() => page.getByTestId('model-version').textContent(), { timeout: 90_000 }).toBe(version);
      expect(await classify(page, smokeFiles[0]!.path)).toBe('cat');
      expect(await page.getByTestId('probabilities').locator('dt').allTextContents()).toEqual(['cat', 'dog']);
      await answer(page, 'cat');
      await expect.poll(async () => (await feedbackConfusion(stack.server.url, version))?.cat.cat, { timeout: 60_000, interval: 500 }).toBe(1);
      // Remembered across a restart (IndexedDB and the model cache), and described as a two-class model.
      await page.reload();
      expect((await waitReady(page)).version).toBe(version);
      await page.getByRole('link', { name: 'About' }).click();
      await expect.poll(() => page.getByTestId('model-labels').textContent(), { timeout: 30_000 }).toBe('cat, dog');
      expect(await page.getByTestId('model-outcomes').textContent()).toContain('cannot answer “no cat or dog here”');
    });
  });
});
