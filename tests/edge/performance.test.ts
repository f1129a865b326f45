import { describe, expect, it } from 'vitest';
import type { Label, Performance } from '../../edge/src/contract';
import { api, feedbackItem, postJson, publish, telemetryItem } from './helpers';

async function postAll(path: string, items: unknown[]) {
  for (let i = 0; i < items.length; i += 100) expect((await postJson(path, { items: items.slice(i, i + 100) })).status).toBe(200);
}

describe('GET /api/performance', () => {
  it('computes quality from feedback and latency percentiles from telemetry, per model version', async () => {
    await publish('1.0.0');
    await publish('2.0.0');
    // v1, rows actual / columns predicted: cat 5/1/1, dog 1/3/0, neither 2/1/6 (20 photos, 14 right).
    const cell = (n: number, actual: Label, predicted: Label) => Array.from({ length: n }, () => feedbackItem({ actual, predicted }));
    const v1 = [
      ...cell(5, 'cat', 'cat'), ...cell(1, 'cat', 'dog'), ...cell(1, 'cat', 'neither'),
      ...cell(1, 'dog', 'cat'), ...cell(3, 'dog', 'dog'),
      ...cell(2, 'neither', 'cat'), ...cell(1, 'neither', 'dog'), ...cell(6, 'neither', 'neither')
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
    expect(p.feedbackCount).toBe(20);
    expect(p.confusion).toEqual({
      cat: { cat: 5, dog: 1, neither: 1 },
      dog: { cat: 1, dog: 3, neither: 0 },
      neither: { cat: 2, dog: 1, neither: 6 }
    });
    expect(p.accuracy).toBeCloseTo(14 / 20);
    expect(p.petAccuracy).toBeCloseTo(8 / 11);
    // Precision by column, recall and support by row.
    expect(p.perClass.cat).toMatchObject({ precision: 5 / 8, recall: 5 / 7, support: 7 });
    expect(p.perClass.cat.f1).toBeCloseTo(2 / 3);
    expect(p.perClass.dog).toMatchObject({ precision: 3 / 5, recall: 3 / 4, support: 4 });
    expect(p.perClass.dog.f1).toBeCloseTo(2 / 3);
    expect(p.perClass.neither).toMatchObject({ precision: 6 / 7, recall: 6 / 9, support: 9 });
    expect(p.perClass.neither.f1).toBeCloseTo(3 / 4);
    expect(p.latency).toEqual([
      { backend: 'wasm', count: 100, p50: 50, p95: 95, p99: 99 },
      { backend: 'webgl', count: 10, p50: 50, p95: 100, p99: 100 }
    ]);

    const only2 = (await (await api('/api/performance?modelVersion=2.0.0')).json()) as Performance;
    expect(only2.versions).toHaveLength(1);
    expect(only2.versions[0]).toMatchObject({ modelVersion: '2.0.0', feedbackCount: 1, accuracy: 1, petAccuracy: 1, latency: [] });
  });

  it('answers an empty list when there is no feedback yet', async () => {
    const res = await api('/api/performance');
    expect(res.status).toBe(200);
    expect(((await res.json()) as Performance).versions).toEqual([]);
  });
});
