import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import type { Health } from '../../edge/src/contract';
import { api, feedbackItem, postJson, publish, telemetryItem } from './helpers';

describe('GET /api/health', () => {
  it('reports ok, D1 reachable and the feedback count', async () => {
    await postJson('/api/feedback', { items: [feedbackItem(), feedbackItem()] });
    const res = await api('/api/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as Health;
    expect(body).toMatchObject({ status: 'ok', db: 'ok', feedbackCount: 2, lastPublishedAt: null });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(body.uptimeS).toBeGreaterThanOrEqual(0);
  });
});

describe('GET /api/metrics', () => {
  it('is Prometheus text that a real parser reads, with requests, feedback and a latency histogram', async () => {
    await publish('1.0.0');
    await postJson('/api/feedback', {
      items: [
        feedbackItem(),
        feedbackItem({ predicted: 'dog', actual: 'cat' }),
        feedbackItem({ predicted: 'neither', actual: 'cat' }),
        feedbackItem({ predicted: 'neither', actual: 'neither' }),
        feedbackItem({ predicted: 'neither', actual: 'neither' })
      ]
    });
    await postJson('/api/telemetry', { items: [telemetryItem({ latencyMs: 7 }), telemetryItem({ latencyMs: 400 }), telemetryItem({ latencyMs: 9000 })] });
    await api('/api/nope');
    const res = await api('/api/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const families = parsePrometheusTextFormat(text);
    const byName = Object.fromEntries(families.map((f) => [f.name, f]));

    expect(byName.pawlens_http_requests_total?.type).toBe('COUNTER');
    const reqs = byName.pawlens_http_requests_total!.metrics as { labels: Record<string, string>; value: string }[];
    expect(reqs.find((m) => m.labels.route === '/api/feedback' && m.labels.status === '200')).toBeDefined();
    expect(reqs.find((m) => m.labels.route === 'unmatched' && m.labels.status === '404')).toBeDefined();

    const fb = byName.pawlens_feedback_total!.metrics as { labels: Record<string, string>; value: string }[];
    const count = (predicted: string, actual: string) =>
      fb.find((m) => m.labels.model_version === '1.0.0' && m.labels.predicted === predicted && m.labels.actual === actual)?.value;
    expect(count('dog', 'cat')).toBe('1');
    expect(count('neither', 'cat')).toBe('1');
    expect(count('neither', 'neither')).toBe('2');
    expect(fb).toHaveLength(4);

    const hist = byName.pawlens_prediction_latency_ms!;
    expect(hist.type).toBe('HISTOGRAM');
    // This parser flattens histogram buckets but drops labelled _sum/_count, so read those lines directly.
    const buckets = (hist.metrics[0] as { buckets: Record<string, string> }).buckets;
    expect(buckets).toMatchObject({ '10': '1', '500': '2', '5000': '2', '+Inf': '3' });
    expect(text).toContain('pawlens_prediction_latency_ms_count{backend="wasm"} 3\n');
    expect(text).toContain('pawlens_prediction_latency_ms_sum{backend="wasm"} 9407\n');
  });
});
