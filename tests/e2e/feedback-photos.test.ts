/**
 * Opt-in feedback photos in real Chromium against the real edge worker (wrangler dev, temp state).
 * The photo is a JPEG carrying GPS EXIF, given while offline. With photo sharing off (the default),
 * its answer reaches the server and no image bytes ever leave the browser (every request of the page
 * and its service worker, from the network log). With it on, the copy waits on the device with the
 * answer, goes after it once online, and the server's stored photo has no EXIF, is at most 320 px,
 * and has the sha256 the app kept. The rollout id goes only with GET /api/models/latest.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PHOTO_BYTES, PHOTO_MAX_SIDE, ReviewList } from '../../edge/src/contract.ts';
import { ADMIN_TOKEN, WAIT, answer, budget, classify, feedbackRows, haveBrowser, launchPersistent, startStack, waitForServiceWorker, waitReady, type Stack } from './harness.ts';

const run = haveBrowser();
const PHOTO_SWITCH = 'Also send the photos I give feedback on, to improve Pawlens';
const GPS_INFO_TAG = Buffer.from([0x25, 0x88, 0x04, 0x00]); // IFD0 entry: tag 0x8825 (GPSInfo), type LONG, little-endian
const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

/** A 1200x900 JPEG photo with camera and GPS EXIF (somewhere in Paris). */
async function photoWithGps(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="900"><defs><linearGradient id="g" x2="1" y2="1"><stop offset="0" stop-color="#6a8"/><stop offset="1" stop-color="#fed"/></linearGradient></defs><rect width="1200" height="900" fill="url(#g)"/><circle cx="600" cy="450" r="250" fill="#c84"/></svg>`;
  return sharp(Buffer.from(svg))
    .jpeg({ quality: 90 })
    .withExif({
      IFD0: { Make: 'PawlensTestCam', Model: 'GPS-1' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2964/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 17/1 4039/100' }
    })
    .toBuffer();
}

/** The markers of a JPEG's segments before its image data (SOS), e.g. 0xe0 for APP0, 0xe1 for APP1 (EXIF, XMP). */
function jpegMarkers(jpeg: Buffer): { marker: number; payload: Buffer }[] {
  expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  const out: { marker: number; payload: Buffer }[] = [];
  for (let at = 2; at + 4 <= jpeg.length; ) {
    expect(jpeg[at]).toBe(0xff);
    const marker = jpeg[at + 1]!;
    const length = jpeg.readUInt16BE(at + 2);
    out.push({ marker, payload: jpeg.subarray(at + 4, at + 2 + length) });
    if (marker === 0xda) break; // SOS: the entropy-coded image follows
    at += 2 + length;
  }
  return out;
}

/** Every request the page and its service worker made, with its body. */
function networkLog(context: import('playwright-core').BrowserContext) {
  const requests: { url: string; method: string; body: Buffer | null; headers: Record<string, string> }[] = [];
  const onRequest = (r: Request) => requests.push({ url: r.url(), method: r.method(), body: r.postDataBuffer(), headers: r.headers() });
  context.on('request', onRequest);
  return { requests, stop: () => context.off('request', onRequest) };
}

interface WaitingPhoto {
  id: string;
  kind: string;
  sha256: string;
  jpeg: number[];
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
    expect((await sharp(jpeg).metadata()).exif?.includes(GPS_INFO_TAG)).toBe(true);
    expect(jpegMarkers(jpeg).some((s) => s.marker === 0xe1 && s.payload.subarray(0, 6).toString('latin1') === 'Exif\0\0')).toBe(true);
  }, WAIT.ready);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const review = async () => {
    const res = await fetch(`${stack.server.url}/api/review`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    return ReviewList.parse(await res.json()).photos;
  };

  /** The answers in the outbox that carry a photo copy, and the photo entries waiting for upload. */
  const waitingPhotos = () =>
    browser.page.evaluate(
      () =>
        new Promise<WaitingPhoto[]>((ok, fail) => {
          const open = indexedDB.open('pawlens');
          open.onerror = () => fail(open.error);
          open.onsuccess = () => {
            const all = open.result.transaction('outbox').objectStore('outbox').getAll();
            all.onerror = () => fail(all.error);
            all.onsuccess = () => {
              type Entry = { id: string; kind: string; photo?: { sha256: string; jpeg: ArrayBuffer } };
              const entries = (all.result as Entry[]).filter((e) => e.photo);
              ok(entries.map((e) => ({ id: e.id, kind: e.kind, sha256: e.photo!.sha256, jpeg: Array.from(new Uint8Array(e.photo!.jpeg)) })));
              open.result.close();
            };
          };
        })
    );

  const rolloutId = () =>
    browser.page.evaluate(
      () =>
        new Promise<string>((ok, fail) => {
          const open = indexedDB.open('pawlens');
          open.onerror = () => fail(open.error);
          open.onsuccess = () => {
            const get = open.result.transaction('kv').objectStore('kv').get('rolloutId');
            get.onsuccess = () => (ok(get.result as string), open.result.close());
          };
        })
    );

  /** Offline: the photo, its verdict, the answer "cat"; then online until the outbox is empty. */
  async function answerOfflineThenSync(whileOffline?: () => Promise<void>): Promise<void> {
    const { page, context } = browser;
    await context.setOffline(true);
    try {
      expect(await classify(page, photo)).not.toBeNull();
      await answer(page, 'cat');
      await page.getByTestId('feedback-state').waitFor();
      await whileOffline?.();
    } finally {
      await context.setOffline(false);
    }
    await expect.poll(() => page.getByTestId('outbox-count').textContent(), { timeout: WAIT.sync, interval: 500 }).toBe('0');
  }

  it('with photo sharing off (the default), the answer goes and no image bytes leave the browser', async () => {
    const { page, context } = browser;
    const log = networkLog(context);
    await page.goto(`${stack.server.url}/about`);
    await expect.poll(() => page.getByLabel(PHOTO_SWITCH).isChecked()).toBe(false);
    await page.getByRole('link', { name: 'Classify' }).click();
    await waitReady(page);
    await waitForServiceWorker(page);
    const before = await feedbackRows(stack.server.url);
    await answerOfflineThenSync(async () => expect(await waitingPhotos()).toEqual([]));
    expect(await feedbackRows(stack.server.url)).toBe(before + 1);
    log.stop();

    const sent = log.requests.filter((r) => r.method !== 'GET');
    expect(sent.some((r) => new URL(r.url).pathname === '/api/feedback')).toBe(true);
    expect(log.requests.filter((r) => /\/photo$/.test(new URL(r.url).pathname))).toEqual([]);
    const imageBodies = log.requests.filter((r) => r.body && (r.body.includes(JPEG_MAGIC) || r.body.includes(PNG_MAGIC)));
    expect(imageBodies.map((r) => `${r.method} ${r.url}`)).toEqual([]);
    expect(await review()).toEqual([]);

    // The rollout id goes with GET /api/models/latest only: never in a body or header of anything else.
    const id = await rolloutId();
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
    await page.goto(`${stack.server.url}/about`);
    await page.getByLabel(PHOTO_SWITCH).check();
    await page.getByText('The photos you answer about are shared').waitFor();
    await page.getByRole('link', { name: 'Classify' }).click();
    await waitReady(page);

    await answerOfflineThenSync(async () => {
      // The copy waits on the device next to its answer, made before anything is sent.
      await expect.poll(async () => (await waitingPhotos()).length).toBe(1);
      [kept] = await waitingPhotos();
      expect(kept!.kind).toBe('feedback');
      expect(createHash('sha256').update(Buffer.from(kept!.jpeg)).digest('hex')).toBe(kept!.sha256);
    });
    expect(await waitingPhotos()).toEqual([]);
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
    const res = await fetch(`${stack.server.url}/api/review/${kept!.id}/photo`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    const stored = Buffer.from(await res.arrayBuffer());
    expect(createHash('sha256').update(stored).digest('hex')).toBe(kept!.sha256);
    expect(stored.length).toBeLessThanOrEqual(MAX_PHOTO_BYTES);

    // No EXIF (GPS included), no XMP, no comment: only the JFIF header and the image itself.
    const markers = jpegMarkers(stored).map((s) => s.marker);
    expect(markers.filter((m) => (m >= 0xe1 && m <= 0xef) || m === 0xfe)).toEqual([]);
    expect(stored.includes(Buffer.from('Exif\0\0', 'latin1'))).toBe(false);
    const meta = await sharp(stored).metadata();
    expect(meta.exif).toBeUndefined();
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
    await page.goto(`${stack.server.url}/review`);
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const row = page.locator(`[data-testid=review-row][data-id="${kept!.id}"]`);
    await row.getByRole('img').waitFor({ timeout: WAIT.verdict });
    // Checked with the app's current model once the classifier is up; the order is then final.
    await expect.poll(() => page.getByTestId('review-status').textContent(), { timeout: WAIT.ready }).toMatch(/^1 shared photo, checked with model \S+\.$/);
    await expect.poll(() => row.textContent()).not.toContain('not checked yet');
    expect(await row.locator('dt', { hasText: 'The person said' }).locator('xpath=following-sibling::dd[1]').textContent()).toBe('a cat');

    await page.keyboard.press('a');
    await expect.poll(async () => (await server())?.status).toBe('approved');
    expect(await server()).toMatchObject({ status: 'approved', label: 'cat' });
    await expect.poll(() => row.getByTestId('review-state').textContent()).toContain('approved as a cat');
    await page.keyboard.press('d');
    await expect.poll(async () => (await server())?.label).toBe('dog');
    await page.keyboard.press('x');
    await expect.poll(async () => (await server())?.status).toBe('rejected');
    expect(await row.getAttribute('data-status')).toBe('rejected');
    // The token lives in this tab's sessionStorage only.
    const stores = await page.evaluate(() => ({ session: Object.values(sessionStorage), local: Object.values(localStorage) }));
    expect(stores.session).toContain(ADMIN_TOKEN);
    expect(stores.local.filter((v) => v.includes(ADMIN_TOKEN))).toEqual([]);
  }, budget(1, WAIT.verdict, WAIT.ready));
});
