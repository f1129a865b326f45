/**
 * PUT /api/feedback/:id/photo: the photo a person chose to share with a stored feedback item (opt-in
 * in the app, downscaled and re-encoded there, so it carries no metadata). JPEG bytes only, at most
 * MAX_PHOTO_BYTES; one photo per item, kept once: a later upload (the same bytes or not) is answered
 * with the stored photo. Bytes go to the PHOTOS bucket first, the D1 row last, so a listed photo
 * always has its bytes.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { MAX_PHOTO_BYTES, type PhotoUploadResult } from './contract';
import { feedbackPhoto, insertPhoto, type StoredPhoto } from './db';
import type { AppEnv } from './env';
import { apiError } from './errors';
import { sha256Hex } from './sha256';
import { bodyUpTo, params, requireType } from './validate';

/** A feedback item's id in a path: a UUID, stored in lower case like the item itself. */
export const FeedbackIdParam = z.strictObject({ id: z.uuid().transform((id) => id.toLowerCase()) });

/** Every JPEG starts with SOI (FF D8) followed by the first marker's FF. */
const isJpeg = (b: Uint8Array) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** One object per (id, content): concurrent uploads of different bytes never overwrite each other. */
export const objectKey = (id: string, sha256: string) => `${id}/${sha256}.jpg`;

export const photos = new Hono<AppEnv>().put('/feedback/:id/photo', params(FeedbackIdParam), requireType('image/jpeg'), async (c) => {
  const { id } = c.req.valid('param');
  const bytes = await bodyUpTo(c.req.raw, MAX_PHOTO_BYTES);
  if (bytes === null) return apiError(c, 413, 'payload_too_large', `a photo may have at most ${MAX_PHOTO_BYTES} bytes`);
  if (!isJpeg(bytes)) return apiError(c, 415, 'unsupported_media_type', 'the body is not a JPEG (it must start with FF D8 FF)');

  const answer = (p: StoredPhoto, stored: boolean) => {
    const body: PhotoUploadResult = { id, sha256: p.sha256, bytes: p.bytes, stored };
    return c.json(body, stored ? 201 : 200);
  };
  const notFound = () => apiError(c, 404, 'not_found', `no feedback item ${id}: send the feedback before its photo`);
  const known = await feedbackPhoto(c.env.DB, id);
  if (!known) return notFound();
  if (known.photo) return answer(known.photo, false);

  const sha256 = await sha256Hex(bytes);
  const photo: StoredPhoto = { sha256, bytes: bytes.byteLength };
  await c.env.PHOTOS.put(objectKey(id, sha256), bytes, { httpMetadata: { contentType: 'image/jpeg' }, sha256 });
  if (await insertPhoto(c.env.DB, id, photo, new Date().toISOString())) return answer(photo, true);
  // A concurrent upload of this id was stored first: keep it, and drop our object unless it is the same one.
  const winner = (await feedbackPhoto(c.env.DB, id))?.photo ?? null;
  if (winner?.sha256 !== sha256) await c.env.PHOTOS.delete(objectKey(id, sha256));
  return winner ? answer(winner, false) : notFound();
});
