/** GET /api/health: is the API up, can it reach D1, which model clients should run. */
import { Hono } from 'hono';
import type { Health, LatestModel } from './contract';
import { healthSnapshot } from './db';
import type { AppEnv } from './env';
import { uptimeSeconds } from './request-log';
import { shippedModelVersion } from './shipped-model';

export const health = new Hono<AppEnv>().get('/health', async (c) => {
  let db: Health['db'] = 'ok';
  let count: number | null = null;
  let active: LatestModel | null = null;
  let lastPublishedAt: string | null = null;
  try {
    ({ feedbackCount: count, active, lastPublishedAt } = await healthSnapshot(c.env.DB));
  } catch (err) {
    console.error(JSON.stringify({ level: 'error', requestId: c.get('requestId'), message: `health: D1 unreachable: ${String(err)}` }));
    db = 'error';
  }
  const body: Health = {
    status: db === 'ok' ? 'ok' : 'degraded',
    // What clients run: the active version, else the one they shipped with.
    modelVersion: active?.version ?? (await shippedModelVersion(c.env)),
    db,
    uptimeS: Math.round(uptimeSeconds()),
    feedbackCount: count,
    lastPublishedAt
  };
  c.header('cache-control', 'no-store');
  return c.json(body, db === 'ok' ? 200 : 503);
});
