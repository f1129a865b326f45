import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { Health, Performance } from '../../edge/src/contract';
import { MAX_LABELLED_VERSIONS, OTHER_VERSION } from '../../edge/src/db';
import { api, feedbackItem, postJson, publish, telemetryItem } from './helpers';

const performance = async (query = '') => (await (await api(`/api/performance${query}`)).json()) as Performance;
const feedbackSeries = async () => {
  const families = parsePrometheusTextFormat(await (await api('/api/metrics')).text());
  const fb = families.find((f) => f.name === 'pawlens_feedback_total')!.metrics as { labels: Record<string, string>; value: string }[];
  return fb.map((m) => `${m.labels.model_version} ${m.labels.actual}/${m.labels.predicted} ${m.value}`).sort();
};

describe('bounded labels: only known model versions get a series; the rest fold into "other"', () => {
  it('names the shipped and published versions and folds made-up ones into one "other" series', async () => {
    const shipped = ((await (await api('/api/health')).json()) as Health).modelVersion!;
    await publish('1.0.0');
    const madeUp = Array.from({ length: 100 }, (_, i) => feedbackItem({ modelVersion: `fake-${i}`, predicted: 'dog', actual: 'cat' }));
    await postJson('/api/feedback', { items: madeUp });
    await postJson('/api/feedback', { items: [feedbackItem({ modelVersion: shipped }), feedbackItem({ modelVersion: '1.0.0', predicted: 'neither', actual: 'neither' })] });
    await postJson('/api/telemetry', { items: [telemetryItem({ modelVersion: 'fake-1', latencyMs: 5 }), telemetryItem({ modelVersion: 'fake-2', latencyMs: 7 })] });

    const perf = await performance();
    expect(perf.versions.map((v) => [v.modelVersion, v.feedbackCount])).toEqual(
      [
        ['1.0.0', 1],
        [OTHER_VERSION, 100],
        [shipped, 1]
      ].sort(([a], [b]) => String(a).localeCompare(String(b)))
    );
    const other = perf.versions.find((v) => v.modelVersion === OTHER_VERSION)!;
    expect(other.confusion.cat.dog).toBe(100);
    expect(other.latency).toEqual([{ backend: 'wasm', count: 2, p50: 5, p95: 7, p99: 7 }]);
    expect((await performance(`?modelVersion=${OTHER_VERSION}`)).versions.map((v) => v.feedbackCount)).toEqual([100]);
    expect((await performance('?modelVersion=fake-3')).versions).toEqual([]);
    expect((await performance('?modelVersion=1.0.0')).versions.map((v) => v.modelVersion)).toEqual(['1.0.0']);

    expect(await feedbackSeries()).toEqual(
      [`1.0.0 neither/neither 1`, `${OTHER_VERSION} cat/dog 100`, `${shipped} cat/cat 1`].sort()
    );
  });

  it('counts a made-up version under its own name once it is published', async () => {
    await postJson('/api/feedback', { items: [feedbackItem({ modelVersion: '3.0.0' })] });
    expect((await performance()).versions.map((v) => v.modelVersion)).toEqual([OTHER_VERSION]);
    await publish('3.0.0');
    expect((await performance()).versions.map((v) => v.modelVersion)).toEqual(['3.0.0']);
  });

  it(`caps the series: only the newest ${MAX_LABELLED_VERSIONS} published versions keep their own`, async () => {
    // Published versions straight into D1 (their files do not matter here), oldest first.
    const versions = Array.from({ length: MAX_LABELLED_VERSIONS + 10 }, (_, i) => `v${String(i).padStart(3, '0')}`);
    await env.DB.batch(
      versions.map((v, i) =>
        env.DB.prepare("INSERT INTO models (version, published_at, files, metrics) VALUES (?, ?, '[]', NULL)").bind(v, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString())
      )
    );
    for (let i = 0; i < versions.length; i += 100) {
      await postJson('/api/feedback', { items: versions.slice(i, i + 100).map((modelVersion) => feedbackItem({ modelVersion })) });
    }
    const perf = await performance();
    expect(perf.versions).toHaveLength(MAX_LABELLED_VERSIONS + 1);
    expect(perf.versions.find((v) => v.modelVersion === OTHER_VERSION)?.feedbackCount).toBe(10);
    expect(perf.versions.map((v) => v.modelVersion)).not.toContain('v009');
    expect(perf.versions.map((v) => v.modelVersion)).toContain('v010');
    expect(perf.versions.reduce((n, v) => n + v.feedbackCount, 0)).toBe(versions.length);
  });
});
