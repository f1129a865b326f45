/**
 * Opt-in feedback photos in real Chromium against the real edge worker (wrangler dev, temp state).
 * The photo is a JPEG carrying GPS EXIF, given while offline. With photo sharing off (the default),
 * its answer reaches the server and no image bytes ever leave the browser (every request of the page
 * and its service worker, from the network log). With it on, the copy waits on the device with the
 * answer, goes after it once online, and the server's stored photo has no EXIF, is at most 320 px,
 * and has the sha256 the app kept. The rollout id goes only with GET /api/models/latest.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PHOTO_BYTES, PHOTO_MAX_SIDE } from '../../edge/src/contract.ts';
import { sha256Hex } from '../../training/src/data/fingerprint.ts';
import { ADMIN_TOKEN, WAIT, budget, feedbackRows, haveBrowser, launchPersistent, startStack, waitForServiceWorker, waitReady, type Stack } from './harness.ts';
import {
  PHOTO_SWITCH,
  answerOfflineThenSync,
  expectNoMetadata,
  hasGpsExif,
  imageBodies,
  networkLog,
  openReview,
  reviewList,
  rolloutId,
  setPhotoSharing,
  storedPhoto,
  waitingPhotos,
  withGpsExif,
  type WaitingPhoto
} from './photo-sharing.ts';

const run = haveBrowser();

/** A 1200x900 JPEG photo with camera and GPS EXIF. */
function photoWithGps(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="900"><defs><linearGradient id="g" x2="1" y2="1"><stop offset="0" stop-color="#6a8"/><stop offset="1" stop-color="#fed"/></linearGradient></defs><rect width="1200" height="900" fill="url(#g)"/><circle cx="600" cy="450" r="250" fill="#c84"/></svg>`;
  return withGpsExif(Buffer.from(svg));
}

describe.skipIf(!run)('feedback photos in Chromium', () => {
  let stack: Stack;
  let browser: Awaited<ReturnType<typeof launchPersistent>>;
  let dir: string;
  let photo: string;
  /** The photo copy the app kept (sharing on), as it waited in the outbox. */
  let kept: WaitingPhoto | undefined;

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchPersistent();
    browser.page.on('pageerror', (e) => console.error('pageerror:', e.message));
    dir = mkdtempSync(join(tmpdir(), 'pawlens-photos-'));
    photo = join(dir, 'with-gps.jpg');
    const jpeg = await photoWithGps();
    writeFileSync(photo, jpeg);
    // The test photo really carries GPS EXIF.
    expect(await hasGpsExif(jpeg)).toBe(true);
  }, WAIT.ready);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const review = () => reviewList(stack.server.url);
  const sync = (whileOffline?: () => Promise<void>) => answerOfflineThenSync(browser.page, photo, 'cat', whileOffline);

  it('with photo sharing off (the default), the answer goes and no image bytes leave the browser', async () => {
    const { page, context } = browser;
    const log = networkLog(context);
    await page.goto(`${stack.server.url}/about`);
    await expect.poll(() => page.getByLabel(PHOTO_SWITCH).isChecked()).toBe(false);
    await page.getByRole('link', { name: 'Classify' }).click();
    await waitReady(page);
    await waitForServiceWorker(page);
    const before = await feedbackRows(stack.server.url);
    await sync(async () => expect(await waitingPhotos(page)).toEqual([]));
    expect(await feedbackRows(stack.server.url)).toBe(before + 1);
    log.stop();

    const sent = log.requests.filter((r) => r.method !== 'GET');
    expect(sent.some((r) => new URL(r.url).pathname === '/api/feedback')).toBe(true);
    expect(log.requests.filter((r) => /\/photo$/.test(new URL(r.url).pathname))).toEqual([]);
    expect(imageBodies(log.requests)).toEqual([]);
    expect(await review()).toEqual([]);

    // The rollout id goes with GET /api/models/latest only: never in a body or header of anything else.
    const id = await rolloutId(page);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const latest = log.requests.filter((r) => new URL(r.url).pathname === '/api/models/latest');
    expect(latest.length).toBeGreaterThan(0);
    expect(latest.every((r) => new URL(r.url).searchParams.get('install') === id)).toBe(true);
    const elsewhere = log.requests.filter((r) => new URL(r.url).pathname !== '/api/models/latest' && (r.url.includes(id) || r.body?.includes(id) || Object.values(r.headers).some((v) => v.includes(id))));
    expect(elsewhere.map((r) => r.url)).toEqual([]);
  }, budget(2, WAIT.verdict, WAIT.ready + WAIT.serviceWorker + WAIT.sync));

  it('with photo sharing on, the copy waits offline with its answer and is stored without EXIF, with the sha256 the app kept', async () => {
    const { page, context } = browser;
    const log = networkLog(context);
    await setPhotoSharing(page, stack.server.url, true);
    await page.getByRole('link', { name: 'Classify' }).click();
    await waitReady(page);

    await sync(async () => {
      // The copy waits on the device next to its answer, made before anything is sent.
      await expect.poll(async () => (await waitingPhotos(page)).length).toBe(1);
      [kept] = await waitingPhotos(page);
      expect(kept!.kind).toBe('feedback');
      expect(sha256Hex(Buffer.from(kept!.jpeg))).toBe(kept!.sha256);
    });
    expect(await waitingPhotos(page)).toEqual([]);
    log.stop();
    // The same network log sees the upload (so it would have seen one with sharing off): after the answer, JPEG bytes.
    const sends = log.requests.filter((r) => r.method !== 'GET' && r.url.includes('/api/feedback'));
    const put = sends.findIndex((r) => r.method === 'PUT');
    expect(sends[put]?.url).toBe(`${stack.server.url}/api/feedback/${kept!.id}/photo`);
    expect(sends.slice(0, put).some((r) => r.method === 'POST' && r.body?.includes(kept!.id))).toBe(true);
    expect(sends[put]!.body).toEqual(Buffer.from(kept!.jpeg));

    const listed = await review();
    expect(listed.map((p) => p.id)).toEqual([kept!.id]);
    expect(listed[0]).toMatchObject({ sha256: kept!.sha256, actual: 'cat', status: 'pending' });
    const stored = await storedPhoto(stack.server.url, kept!.id);
    expect(sha256Hex(stored)).toBe(kept!.sha256);
    expect(stored.length).toBeLessThanOrEqual(MAX_PHOTO_BYTES);

    await expectNoMetadata(stored);
    const meta = await sharp(stored).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBe(PHOTO_MAX_SIDE);
    expect(meta.width! / meta.height!).toBeCloseTo(1200 / 900, 1);

    // Both answers (one per test) on the dashboard, side by side with their interval and who is served the version.
    await page.goto(`${stack.server.url}/dashboard`);
    const version = listed[0]!.modelVersion;
    const cells = page.getByTestId('versions').locator('tr', { has: page.locator('th', { hasText: version }) }).locator('td');
    await expect.poll(() => cells.allTextContents()).toEqual([
      'not published here',
      '2',
      expect.stringMatching(/^\d+\.\d % \(95 % CI \d+\.\d–\d+\.\d %\)$/),
      expect.stringMatching(/^\d+\.\d % \(95 % CI \d+\.\d–\d+\.\d %\)$/)
    ]);
  }, budget(2, WAIT.verdict, WAIT.ready + WAIT.sync));

  it('/review shows the shared photo with the admin token, and approves and relabels it by keyboard', async () => {
    const { page } = browser;
    expect(kept).toBeDefined();
    const server = async () => (await review()).find((p) => p.id === kept!.id);
    await openReview(page, stack.server.url, 1);
    const row = page.locator(`[data-testid=review-row][data-id="${kept!.id}"]`);
    await row.getByRole('img').waitFor({ timeout: WAIT.verdict });
    await expect.poll(() => row.textContent()).not.toContain('not checked yet');
    expect(await row.locator('dt', { hasText: 'The person said' }).locator('xpath=following-sibling::dd[1]').textContent()).toBe('a cat');

    await page.keyboard.press('a');
    await expect.poll(async () => (await server())?.status).toBe('approved');
    expect(await server()).toMatchObject({ status: 'approved', label: 'cat' });
    await expect.poll(() => row.getByTestId('review-state').textContent()).toContain('approved as a cat');
    // Three keys at once: the server and the row end on the last one, whatever order the answers come in.
    await page.keyboard.press('x');
    await page.keyboard.press('c');
    await page.keyboard.press('d');
    await expect.poll(async () => (await server())?.label).toBe('dog');
    await expect.poll(() => row.getByTestId('review-state').textContent()).toContain('approved as a dog');
    expect(await server()).toMatchObject({ status: 'approved', label: 'dog' });
    await page.keyboard.press('x');
    await expect.poll(async () => (await server())?.status).toBe('rejected');
    // The server answers before the page redraws the row: wait for the row's state too.
    await expect.poll(() => row.getAttribute('data-status')).toBe('rejected');
    // The token lives in this tab's sessionStorage only.
    const stores = await page.evaluate(() => ({ session: Object.values(sessionStorage), local: Object.values(localStorage) }));
    expect(stores.session).toContain(ADMIN_TOKEN);
    expect(stores.local.filter((v) => v.includes(ADMIN_TOKEN))).toEqual([]);
  }, budget(1, WAIT.verdict, WAIT.ready));
});
