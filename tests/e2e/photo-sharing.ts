/**
 * Helpers for the browser tests of opt-in feedback photos (issue 11): a JPEG carrying GPS EXIF, the
 * switch on /about, an answer given offline and synced, what waits in the app's IndexedDB (photo
 * copies, the rollout id), the network log, and the server's review list.
 */
import { expect } from 'vitest';
import sharp from 'sharp';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { ReviewList, type Label, type ReviewPhoto } from '../../edge/src/contract.ts';
import { ADMIN_TOKEN, WAIT, answer, classify } from './harness.ts';

export const PHOTO_SWITCH = 'Also send the photos I give feedback on, to improve Pawlens';
/** IFD0 entry: tag 0x8825 (GPSInfo), type LONG, little-endian. */
export const GPS_INFO_TAG = Buffer.from([0x25, 0x88, 0x04, 0x00]);
const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

/** `image` re-encoded as a JPEG with camera and GPS EXIF (somewhere in Paris). */
export function withGpsExif(image: Buffer): Promise<Buffer> {
  return sharp(image)
    .jpeg({ quality: 90 })
    .withExif({
      IFD0: { Make: 'PawlensTestCam', Model: 'GPS-1' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2964/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 17/1 4039/100' }
    })
    .toBuffer();
}

/** The markers of a JPEG's segments before its image data (SOS), e.g. 0xe0 for APP0, 0xe1 for APP1 (EXIF, XMP). */
export function jpegMarkers(jpeg: Buffer): { marker: number; payload: Buffer }[] {
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

/** True when the JPEG carries an EXIF block with a GPSInfo entry. */
export async function hasGpsExif(jpeg: Buffer): Promise<boolean> {
  const exif = jpegMarkers(jpeg).some((s) => s.marker === 0xe1 && s.payload.subarray(0, 6).toString('latin1') === 'Exif\0\0');
  return exif && ((await sharp(jpeg).metadata()).exif?.includes(GPS_INFO_TAG) ?? false);
}

/** Asserts a JPEG has no EXIF (GPS included), no XMP, no comment: only the JFIF header and the image itself. */
export async function expectNoMetadata(jpeg: Buffer): Promise<void> {
  const markers = jpegMarkers(jpeg).map((s) => s.marker);
  expect(markers.filter((m) => (m >= 0xe1 && m <= 0xef) || m === 0xfe)).toEqual([]);
  expect(jpeg.includes(Buffer.from('Exif\0\0', 'latin1'))).toBe(false);
  expect((await sharp(jpeg).metadata()).exif).toBeUndefined();
}

export interface LoggedRequest {
  url: string;
  method: string;
  body: Buffer | null;
  headers: Record<string, string>;
}

/** Every request the context's pages and service workers make, with its body, until `stop()`. */
export function networkLog(context: BrowserContext): { requests: LoggedRequest[]; stop(): void } {
  const requests: LoggedRequest[] = [];
  const onRequest = (r: Request) => requests.push({ url: r.url(), method: r.method(), body: r.postDataBuffer(), headers: r.headers() });
  context.on('request', onRequest);
  return { requests, stop: () => context.off('request', onRequest) };
}

/** `METHOD url` of every logged request whose body carries JPEG or PNG bytes. */
export const imageBodies = (requests: readonly LoggedRequest[]) =>
  requests.filter((r) => r.body && (r.body.includes(JPEG_MAGIC) || r.body.includes(PNG_MAGIC))).map((r) => `${r.method} ${r.url}`);

/** Turns photo sharing on or off on /about and waits until the page says so. */
export async function setPhotoSharing(page: Page, base: string, on: boolean): Promise<void> {
  await page.goto(`${base}/about`);
  const toggle = page.getByLabel(PHOTO_SWITCH);
  await toggle.setChecked(on);
  await expect.poll(() => toggle.isChecked()).toBe(on);
  if (on) await page.getByText('The photos you answer about are shared').waitFor();
}

/**
 * Offline: `photo` to its verdict and the answer `actual` (then `whileOffline`); then online until
 * the outbox is empty (answers and photo copies delivered).
 */
export async function answerOfflineThenSync(page: Page, photo: string, actual: Label, whileOffline?: () => Promise<void>): Promise<void> {
  const context = page.context();
  await context.setOffline(true);
  try {
    expect(await classify(page, photo)).not.toBeNull();
    await answer(page, actual);
    await page.getByTestId('feedback-state').waitFor();
    await whileOffline?.();
  } finally {
    await context.setOffline(false);
  }
  await expect.poll(() => page.getByTestId('outbox-count').textContent(), { timeout: WAIT.sync, interval: 500 }).toBe('0');
}

export interface WaitingPhoto {
  id: string;
  kind: string;
  sha256: string;
  jpeg: number[];
}

/** The answers in the outbox that carry a photo copy, as they wait on the device. */
export function waitingPhotos(page: Page): Promise<WaitingPhoto[]> {
  return page.evaluate(
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
}

/** This install's rollout id (made by the app on its first start). */
export function rolloutId(page: Page): Promise<string> {
  return page.evaluate(
    () =>
      new Promise<string>((ok, fail) => {
        const open = indexedDB.open('pawlens');
        open.onerror = () => fail(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction('kv').objectStore('kv').get('rolloutId');
          get.onerror = () => fail(get.error);
          get.onsuccess = () => (ok(get.result as string), open.result.close());
        };
      })
  );
}

/** Replaces this install's rollout id (the app reads it at every model check). */
export function setRolloutId(page: Page, id: string): Promise<void> {
  return page.evaluate(
    (id) =>
      new Promise<void>((ok, fail) => {
        const open = indexedDB.open('pawlens');
        open.onerror = () => fail(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('kv', 'readwrite');
          tx.objectStore('kv').put(id, 'rolloutId');
          tx.onerror = () => fail(tx.error);
          tx.oncomplete = () => (ok(), open.result.close());
        };
      }),
    id
  );
}

/** The shared photos the server lists for review (every status), with the admin token. */
export async function reviewList(base: string): Promise<ReviewPhoto[]> {
  const res = await fetch(`${base}/api/review`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  return ReviewList.parse(await res.json()).photos;
}

/** The stored bytes of a shared photo (GET /api/review/:id/photo, admin). */
export async function storedPhoto(base: string, id: string): Promise<Buffer> {
  const res = await fetch(`${base}/api/review/${id}/photo`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** Signs in on /review with the admin token and waits until every photo is checked with the app's model (the order is then final). */
export async function openReview(page: Page, base: string, photos: number): Promise<void> {
  await page.goto(`${base}/review`);
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const status = new RegExp(`^${photos} shared ${photos === 1 ? 'photo' : 'photos'}, checked with model \\S+\\.$`);
  await expect.poll(() => page.getByTestId('review-status').textContent(), { timeout: WAIT.ready }).toMatch(status);
}
