import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { BatchResult } from '../../edge/src/contract';
import { feedbackItem, postJson, rowCount } from './helpers';

describe('POST /api/feedback', () => {
  it('stores a batch and says which ids it accepted', async () => {
    const items = [feedbackItem(), feedbackItem({ predicted: 'dog', actual: 'neither', latencyMs: undefined, backend: undefined })];
    const res = await postJson('/api/feedback', { items });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: items.map((i) => i.id), duplicates: [] });
    const row = await env.DB.prepare('SELECT * FROM feedback WHERE id = ?').bind(items[1]!.id).first();
    expect(row).toMatchObject({ model_version: '1.0.0', predicted: 'dog', actual: 'neither', latency_ms: null, backend: null });
  });

  it('accepts "neither" as the predicted class and counts it', async () => {
    const items = [feedbackItem({ predicted: 'neither', actual: 'neither' }), feedbackItem({ predicted: 'neither', actual: 'cat' })];
    const res = await postJson('/api/feedback', { items });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: items.map((i) => i.id), duplicates: [] });
    const { results } = await env.DB.prepare('SELECT predicted, actual FROM feedback ORDER BY actual').all();
    expect(results).toEqual([
      { predicted: 'neither', actual: 'cat' },
      { predicted: 'neither', actual: 'neither' }
    ]);
  });

  it('stores the same batch once when it is posted three times', async () => {
    const items = Array.from({ length: 20 }, () => feedbackItem());
    const answers: BatchResult[] = [];
    for (let i = 0; i < 3; i++) answers.push((await (await postJson('/api/feedback', { items })).json()) as BatchResult);
    expect(answers[0]).toEqual({ accepted: items.map((i) => i.id), duplicates: [] });
    expect(answers[1]).toEqual({ accepted: [], duplicates: items.map((i) => i.id) });
    expect(answers[2]).toEqual(answers[1]);
    expect(await rowCount(env.DB, 'feedback')).toBe(20);
  });

  it('keeps exactly one row per id under 10 concurrent overlapping batches', async () => {
    const pool = Array.from({ length: 30 }, () => feedbackItem());
    // Batch k takes items k..k+19 (mod 30): every item is in several concurrent batches.
    const batches = Array.from({ length: 10 }, (_, k) => Array.from({ length: 20 }, (_, j) => pool[(k * 3 + j) % 30]!));
    const answers = await Promise.all(
      batches.map(async (items) => {
        const res = await postJson('/api/feedback', { items });
        expect(res.status).toBe(200);
        return (await res.json()) as BatchResult;
      })
    );
    expect(await rowCount(env.DB, 'feedback')).toBe(30);
    const { results } = await env.DB.prepare('SELECT id, COUNT(*) AS n FROM feedback GROUP BY id HAVING n > 1').all();
    expect(results).toEqual([]);
    // Across all answers, each id was accepted exactly once.
    const accepted = answers.flatMap((a) => a.accepted);
    expect(accepted.length).toBe(30);
    expect(new Set(accepted)).toEqual(new Set(pool.map((p) => p.id)));
  });

  it('treats one UUID in upper and in lower case as one id, stored once in lower case', async () => {
    const lower = feedbackItem();
    const upper = { ...lower, id: lower.id.toUpperCase() };
    expect(await (await postJson('/api/feedback', { items: [upper] })).json()).toEqual({ accepted: [upper.id], duplicates: [] });
    expect(await (await postJson('/api/feedback', { items: [lower, upper] })).json()).toEqual({ accepted: [], duplicates: [lower.id, upper.id] });
    const { results } = await env.DB.prepare('SELECT id FROM feedback').all();
    expect(results).toEqual([{ id: lower.id }]);
  });

  it('reports an id repeated inside one batch as a duplicate', async () => {
    const item = feedbackItem();
    const res = await postJson('/api/feedback', { items: [item, item] });
    expect(await res.json()).toEqual({ accepted: [item.id], duplicates: [item.id] });
    expect(await rowCount(env.DB, 'feedback')).toBe(1);
  });

  it('writes nothing from a batch with one bad item', async () => {
    const items = [feedbackItem(), feedbackItem(), { ...feedbackItem(), confidence: 1.5 }, feedbackItem()];
    const res = await postJson('/api/feedback', { items });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('items.2.confidence');
    expect(await rowCount(env.DB, 'feedback')).toBe(0);
  });

  it('accepts exactly 100 items and stores them all', async () => {
    const items = Array.from({ length: 100 }, () => feedbackItem());
    const res = await postJson('/api/feedback', { items });
    expect(res.status).toBe(200);
    expect(((await res.json()) as BatchResult).accepted).toHaveLength(100);
    expect(await rowCount(env.DB, 'feedback')).toBe(100);
  });
});
