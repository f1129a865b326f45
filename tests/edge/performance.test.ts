import { describe, expect, it } from 'vitest';
import type { Performance } from '../../edge/src/contract';
import { api, feedbackItem, postJson, telemetryItem } from './helpers';

async function postAll(path: string, items: unknown[]) {
  for (let i = 0; i < items.length; i += 100) expect((await postJson(path, { items: items.slice(i, i + 100) })).status).toBe(200);
}

describe('GET /api/performance', () => {
  it('computes quality from feedback and latency percentiles from telemetry, per model version', async () => {
    // v1: 6 cats (5 right), 4 dogs (3 right), 2 "neither" called cat.
    const v1 = [
      ...Array.from({ length: 5 }, () => feedbackItem({ predicted: 'cat', actual: 'cat' })),
      feedbackItem({ predicted: 'dog', actual: 'cat' }),
      ...Array.from({ length: 3 }, () => feedbackItem({ predicted: 'dog', actual: 'dog' })),
      feedbackItem({ predicted: 'cat', actual: 'dog' }),
      ...Array.from({ length: 2 }, () => feedbackItem({ predicted: 'cat', actual: 'neither' }))
    ];
    const v2 = [feedbackItem({ modelVersion: '2.0.0', predicted: 'dog', actual: 'dog' })];
    await postAll('/api/feedback', [...v1, ...v2]);
    // wasm latencies 1..100 ms (shuffled), webgl 10 values.
    const wasm = Array.from({ length: 100 }, (_, i) => telemetryItem({ backend: 'wasm', latencyMs: ((i * 37) % 100) + 1 }));
    const webgl = Array.from({ length: 10 }, (_, i) => telemetryItem({ backend: 'webgl', latencyMs: (i + 1) * 10 }));
    await postAll('/api/telemetry', [...wasm, ...webgl]);

    const all = (await (await api('/api/performance')).json()) as Performance;
    expect(all.versions.map((v) => v.modelVersion)).toEqual(['1.0.0', '2.0.0']);
    const p = all.versions[0]!;
    expect(p.feedbackCount).toBe(12);
    expect(p.confusion).toEqual({ cat: { cat: 5, dog: 1 }, dog: { cat: 1, dog: 3 }, neither: { cat: 2, dog: 0 } });
    expect(p.accuracy).toBeCloseTo(8 / 10);
    // cat: precision 5/(5+1+2), recall 5/6; dog: precision 3/4, recall 3/4.
    expect(p.perClass.cat.precision).toBeCloseTo(5 / 8);
    expect(p.perClass.cat.recall).toBeCloseTo(5 / 6);
    expect(p.perClass.cat.f1).toBeCloseTo((2 * (5 / 8) * (5 / 6)) / (5 / 8 + 5 / 6));
    expect(p.perClass.cat.support).toBe(6);
    expect(p.perClass.dog).toMatchObject({ precision: 0.75, recall: 0.75, f1: 0.75, support: 4 });
    expect(p.latency).toEqual([
      { backend: 'wasm', count: 100, p50: 50, p95: 95, p99: 99 },
      { backend: 'webgl', count: 10, p50: 50, p95: 100, p99: 100 }
    ]);

    const only2 = (await (await api('/api/performance?modelVersion=2.0.0')).json()) as Performance;
    expect(only2.versions).toHaveLength(1);
    expect(only2.versions[0]).toMatchObject({ modelVersion: '2.0.0', feedbackCount: 1, accuracy: 1, latency: [] });
  });

  it('answers an empty list when there is no feedback yet', async () => {
    const res = await api('/api/performance');
    expect(res.status).toBe(200);
    expect(((await res.json()) as Performance).versions).toEqual([]);
  });
});
