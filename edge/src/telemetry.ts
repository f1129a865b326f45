/** POST /api/telemetry: batched client performance figures, same rules as feedback. */
import { Hono } from 'hono';
import { type BatchResult, TelemetryBatch } from './contract';
import { insertTelemetry } from './db';
import type { AppEnv } from './env';
import { jsonBody } from './validate';

export const telemetry = new Hono<AppEnv>().post('/telemetry', ...jsonBody(TelemetryBatch), async (c) => {
  const { items } = c.req.valid('json');
  const result: BatchResult = await insertTelemetry(c.env.DB, items, new Date().toISOString());
  return c.json(result);
});
