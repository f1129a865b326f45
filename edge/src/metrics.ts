/** GET /api/metrics: Prometheus text exposition for scraping. */
import { Hono } from 'hono';
import { LATENCY_BUCKETS_MS, feedbackConfusion, latencyHistogram } from './db';
import type { AppEnv } from './env';
import { type MetricFamily, histogramSamples, renderMetrics } from './prometheus';
import { requestCounters, uptimeSeconds } from './request-log';
import { shippedModelVersion } from './shipped-model';

export const metrics = new Hono<AppEnv>().get('/metrics', async (c) => {
  const [confusion, histogram] = await Promise.all([
    shippedModelVersion(c.env).then((shipped) => feedbackConfusion(c.env.DB, shipped)),
    latencyHistogram(c.env.DB)
  ]);
  const families: MetricFamily[] = [
    {
      name: 'pawlens_http_requests_total',
      help: 'API requests handled by this isolate, by route, method and status.',
      type: 'counter',
      samples: requestCounters().map((r) => ({ labels: { route: r.route, method: r.method, status: String(r.status) }, value: r.n }))
    },
    {
      name: 'pawlens_feedback_total',
      help: 'Feedback items stored, by model version (the shipped and published ones; any other is "other"), predicted and actual label.',
      type: 'counter',
      samples: confusion.map((r) => ({ labels: { model_version: r.model_version, predicted: r.predicted, actual: r.actual }, value: r.n }))
    },
    {
      name: 'pawlens_prediction_latency_ms',
      help: 'On-device prediction latency reported by telemetry, in milliseconds, by backend.',
      type: 'histogram',
      samples: histogram.flatMap((h) => histogramSamples({ backend: h.backend }, LATENCY_BUCKETS_MS, h.buckets, h.count, h.sum))
    },
    {
      name: 'pawlens_uptime_seconds',
      help: 'Seconds since this isolate served its first request.',
      type: 'gauge',
      samples: [{ value: uptimeSeconds() }]
    }
  ];
  return c.body(renderMetrics(families), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
});
