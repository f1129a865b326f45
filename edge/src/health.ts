/** GET /api/health: is the API up, can it reach D1, which model is current. */
import { Hono } from 'hono';
import type { Health, LatestModel } from './contract';
import { healthSnapshot } from './db';
import type { AppEnv } from './env';
import { uptimeSeconds } from './request-log';
import { shippedModelVersion } from './shipped-model';

export const health = new Hono<AppEnv>().get('/health', async (c) => {
  let db: Health['db'] = 'ok';
  let count: number | null = null;
  let published: LatestModel | null = null;
  try {
    ({ feedbackCount: count, latest: published } = await healthSnapshot(c.env.DB));
  } catch (err) {
    console.error(JSON.stringify({ level: 'error', requestId: c.get('requestId'), message: `health: D1 unreachable: ${String(err)}` }));
    db = 'error';
  }
  const body: Health = {
    status: db === 'ok' ? 'ok' : 'degraded',
    modelVersion: published?.version ?? (await shippedModelVersion(c.env)),
    db,
    uptimeS: Math.round(uptimeSeconds()),
    feedbackCount: count,
    lastPublishedAt: published?.publishedAt ?? null
  };
  c.header('cache-control', 'no-store');
  return c.json(body, db === 'ok' ? 200 : 503);
});
