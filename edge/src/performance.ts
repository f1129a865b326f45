/**
 * GET /api/performance[?modelVersion=]: live quality from feedback and latency from telemetry, per
 * labelled model version (see db.ts: the shipped one, the newest published ones, and `other`), with
 * 95 % intervals and each version's share of installs now, to compare a staged version with the active one.
 */
import { Hono } from 'hono';
import { PerformanceQuery } from './contract';
import { feedbackConfusion, latencyPercentiles, servedPercents } from './db';
import type { AppEnv } from './env';
import { buildPerformance } from './performance-math';
import { shippedModelVersion } from './shipped-model';
import { query } from './validate';

export const performance = new Hono<AppEnv>().get('/performance', query(PerformanceQuery), async (c) => {
  const { modelVersion } = c.req.valid('query');
  const shipped = await shippedModelVersion(c.env);
  const [confusion, latency, served] = await Promise.all([
    feedbackConfusion(c.env.DB, shipped, modelVersion),
    latencyPercentiles(c.env.DB, shipped, modelVersion),
    servedPercents(c.env.DB)
  ]);
  c.header('cache-control', 'no-store');
  return c.json(buildPerformance(confusion, latency, served, new Date().toISOString()));
});
