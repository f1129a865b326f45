/** GET /api/performance[?modelVersion=]: live quality from feedback and latency from telemetry. */
import { Hono } from 'hono';
import { PerformanceQuery } from './contract';
import { feedbackConfusion, latencyPercentiles } from './db';
import type { AppEnv } from './env';
import { buildPerformance } from './performance-math';
import { query } from './validate';

export const performance = new Hono<AppEnv>().get('/performance', query(PerformanceQuery), async (c) => {
  const { modelVersion } = c.req.valid('query');
  const [confusion, latency] = await Promise.all([
    feedbackConfusion(c.env.DB, modelVersion),
    latencyPercentiles(c.env.DB, modelVersion)
  ]);
  c.header('cache-control', 'no-store');
  return c.json(buildPerformance(confusion, latency, new Date().toISOString()));
});
