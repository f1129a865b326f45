import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { MAX_PHOTO_BYTES, type PhotoUploadResult } from '../../edge/src/contract';
import { sha256Hex } from '../../edge/src/sha256';
import { errorOf, feedbackItem, jpegBytes, putPhoto, rowCount, storeFeedback } from './helpers';

/** A stored feedback item's id, ready for its photo. */
async function storedId(): Promise<string> {
  const item = feedbackItem();
  await storeFeedback(item);
  return item.id;
}

async function storedObjects(): Promise<{ key: string; bytes: Uint8Array }[]> {
  const { objects } = await env.PHOTOS.list();
  return Promise.all(objects.map(async (o) => ({ key: o.key, bytes: new Uint8Array(await (await env.PHOTOS.get(o.key))!.arrayBuffer()) })));
}

async function expectNothingStored() {
  expect(await rowCount(env.DB, 'feedback_photos')).toBe(0);
  expect(await storedObjects()).toEqual([]);
}

/** `bytes` as a stream in 16 KiB chunks (sent without a Content-Length), ending only once `gate` resolves. */
function streamOf(bytes: Uint8Array, gate: Promise<void> = Promise.resolve()): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    async pull(controller) {
      if (at >= bytes.length) {
        await gate;
        return controller.close();
      }
      controller.enqueue(bytes.slice(at, (at += 16384)));
    }
  });
}

describe('PUT /api/feedback/:id/photo', () => {
  it('stores the photo of a stored feedback item: bytes in R2, sha256 and size in D1 (201)', async () => {
    const id = await storedId();
    const jpeg = jpegBytes(5000);
    const res = await putPhoto(id, jpeg);
    expect(res.status).toBe(201);
    const sha256 = await sha256Hex(jpeg);
    expect(await res.json()).toEqual({ id, sha256, bytes: 5000, stored: true } satisfies PhotoUploadResult);
    const row = await env.DB.prepare('SELECT * FROM feedback_photos WHERE id = ?').bind(id).first();
    expect(row).toMatchObject({ sha256, bytes: 5000, status: 'pending', label: null, reviewed_at: null });
    const objects = await storedObjects();
    expect(objects.map((o) => o.key)).toEqual([`${id}/${sha256}.jpg`]);
    expect(objects[0]!.key.startsWith(`${id}/`)).toBe(true);
    expect(await sha256Hex(objects[0]!.bytes)).toBe(sha256);
  });

  it('finds the item whatever the case of its id in the URL', async () => {
    const id = await storedId();
    const res = await putPhoto(id.toUpperCase(), jpegBytes());
    expect(res.status).toBe(201);
    expect(((await res.json()) as PhotoUploadResult).id).toBe(id);
  });

  it('keeps one photo per id: a second upload, with the same or other bytes, is answered 200 with the stored one', async () => {
    const id = await storedId();
    const first = jpegBytes();
    expect((await putPhoto(id, first)).status).toBe(201);
    for (const again of [first, jpegBytes(3000)]) {
      const res = await putPhoto(id, again);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ id, sha256: await sha256Hex(first), bytes: first.length, stored: false });
    }
    expect(await rowCount(env.DB, 'feedback_photos')).toBe(1);
    const objects = await storedObjects();
    expect(objects).toHaveLength(1);
    expect(objects[0]!.bytes).toEqual(first);
  });

  it('stores one photo under 8 concurrent uploads of one id, the same bytes or different ones', async () => {
    for (const sameBytes of [true, false]) {
      const id = await storedId();
      const shared = jpegBytes();
      // Every body ends at once, so the uploads reach their checks together rather than one by one.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const pending = Array.from({ length: 8 }, () => putPhoto(id, streamOf(sameBytes ? shared : jpegBytes(), gate)));
      setTimeout(release, 50);
      const responses = await Promise.all(pending);
      const answers = (await Promise.all(responses.map((r) => r.json()))) as PhotoUploadResult[];
      expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
      const winner = answers[responses.findIndex((r) => r.status === 201)]!;
      // Everyone is told about the one photo kept, and only its bytes are in R2.
      for (const a of answers) expect(a).toEqual({ ...winner, stored: a === winner });
      const objects = (await storedObjects()).filter((o) => o.key.startsWith(`${id}/`));
      expect(objects).toHaveLength(1);
      expect(await sha256Hex(objects[0]!.bytes)).toBe(winner.sha256);
    }
    expect(await rowCount(env.DB, 'feedback_photos')).toBe(2);
  });

  it('answers 404 for an id that is no stored feedback item, and 400 for one that is no UUID', async () => {
    const unknown = await putPhoto(crypto.randomUUID(), jpegBytes());
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('not_found');
    const malformed = await putPhoto('not-a-uuid', jpegBytes());
    expect(malformed.status).toBe(400);
    expect(await errorOf(malformed)).toMatchObject({ code: 'validation_failed', field: 'id' });
    await expectNothingStored();
  });

  it('accepts only JPEG: other magic bytes, an empty body or another content type are 415', async () => {
    const id = await storedId();
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const almost = jpegBytes();
    almost[2] = 0x00; // FF D8 00: not the start of a JPEG marker
    const cases: [BodyInit | null, Record<string, string>][] = [
      [png, {}],
      [almost, {}],
      [new Uint8Array([0xff, 0xd8]), {}],
      [new Uint8Array(0), {}],
      [null, {}],
      [jpegBytes(), { 'content-type': 'image/png' }],
      [jpegBytes(), { 'content-type': 'application/octet-stream' }]
    ];
    for (const [body, headers] of cases) {
      const res = await putPhoto(id, body, headers);
      expect(res.status).toBe(415);
      expect((await errorOf(res)).code).toBe('unsupported_media_type');
    }
    await expectNothingStored();
  });

  it(`accepts exactly ${MAX_PHOTO_BYTES} bytes and refuses one more with 413, streamed or not`, async () => {
    const [a, b] = [await storedId(), await storedId()];
    const tooBig = jpegBytes(MAX_PHOTO_BYTES + 1);
    for (const body of [tooBig, streamOf(tooBig)]) {
      const res = await putPhoto(a, body);
      expect(res.status).toBe(413);
      expect((await errorOf(res)).code).toBe('payload_too_large');
    }
    await expectNothingStored();
    expect((await putPhoto(b, streamOf(jpegBytes(MAX_PHOTO_BYTES)))).status).toBe(201);
  });

  it('trusts no Content-Length: one above the limit is refused unread, and a stream is counted as it comes', async () => {
    const id = await storedId();
    // The header alone is enough to refuse, whatever the body.
    const claimsTooMuch = await putPhoto(id, streamOf(jpegBytes(100)), { 'content-length': String(MAX_PHOTO_BYTES + 1) });
    expect(claimsTooMuch.status).toBe(413);
    // A chunked body gives no length up front, and a header may understate it: the body is counted
    // while read and refused past the limit.
    const chunked = await putPhoto(id, streamOf(jpegBytes(3 * MAX_PHOTO_BYTES)));
    expect(chunked.status).toBe(413);
    const understated = await putPhoto(id, streamOf(jpegBytes(MAX_PHOTO_BYTES + 5000)), { 'content-length': '100' });
    expect(understated.status).toBe(413);
    await expectNothingStored();
  });
});
