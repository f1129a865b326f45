/**
 * Review of shared photos (admin): GET /api/review lists them with their feedback, newest upload
 * first; GET /api/review/:id/photo serves one's bytes (never cached: they are people's photos);
 * POST /api/review/:id approves, relabels or rejects one. Only approved photos carry a training label.
 */
import { Hono } from 'hono';
import { ReviewAction, type ReviewList, ReviewQuery } from './contract';
import { listReview, photoSha256, reviewPhoto } from './db';
import type { AppEnv } from './env';
import { apiError } from './errors';
import { requireAdmin } from './admin-auth';
import { FeedbackIdParam, objectKey } from './photos';
import { jsonBody, params, query } from './validate';

const PRIVATE = 'private, no-store';

export const review = new Hono<AppEnv>()
  .get('/review', requireAdmin, query(ReviewQuery), async (c) => {
    const { status = 'all', since } = c.req.valid('query');
    // Stored times are toISOString() (UTC): compare with the same spelling of `since`.
    const photos = await listReview(c.env.DB, status === 'all' ? null : status, since === undefined ? null : new Date(since).toISOString());
    const body: ReviewList = { photos };
    c.header('cache-control', PRIVATE);
    return c.json(body);
  })
  .get('/review/:id/photo', requireAdmin, params(FeedbackIdParam), async (c) => {
    const { id } = c.req.valid('param');
    const sha256 = await photoSha256(c.env.DB, id);
    const obj = sha256 === null ? null : await c.env.PHOTOS.get(objectKey(id, sha256));
    if (!obj) return apiError(c, 404, 'not_found', `no photo for feedback item ${id}`);
    return new Response(obj.body, {
      headers: { 'content-type': 'image/jpeg', 'content-length': String(obj.size), 'cache-control': PRIVATE }
    });
  })
  .post('/review/:id', requireAdmin, params(FeedbackIdParam), ...jsonBody(ReviewAction), async (c) => {
    const { id } = c.req.valid('param');
    const photo = await reviewPhoto(c.env.DB, id, c.req.valid('json'), new Date().toISOString());
    if (!photo) return apiError(c, 404, 'not_found', `no photo for feedback item ${id}`);
    c.header('cache-control', 'no-store');
    return c.json(photo);
  });
