/**
 * GET /api/performance[?modelVersion=]: live quality from feedback and latency from telemetry, per
 * labelled model version (see db.ts: the shipped one, the newest published ones, and `other`).
 */
import { Hono } from 'hono';
import { PerformanceQuery } from './contract';
import { feedbackConfusion, latencyPercentiles } from './db';
import type { AppEnv } from './env';
import { buildPerformance } from './performance-math';
import { shippedModelVersion } from './shipped-model';
import { query } from './validate';

export const performance = new Hono<AppEnv>().get('/performance', query(PerformanceQuery), async (c) => {
  const { modelVersion } = c.req.valid('query');
  const shipped = await shippedModelVersion(c.env);
  const [confusion, latency] = await Promise.all([
    feedbackConfusion(c.env.DB, shipped, modelVersion),
    latencyPercentiles(c.env.DB, shipped, modelVersion)
  ]);
  c.header('cache-control', 'no-store');
  return c.json(buildPerformance(confusion, latency, new Date().toISOString()));
});
