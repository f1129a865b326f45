/** POST /api/feedback: a batch of 1..100 items, idempotent on each item's id, all-or-nothing. */
import { Hono } from 'hono';
import { type BatchResult, FeedbackBatch } from './contract';
import { insertFeedback } from './db';
import type { AppEnv } from './env';
import { jsonBody } from './validate';

export const feedback = new Hono<AppEnv>().post('/feedback', ...jsonBody(FeedbackBatch), async (c) => {
  const { items } = c.req.valid('json');
  const result: BatchResult = await insertFeedback(c.env.DB, items, new Date().toISOString());
  return c.json(result);
});
