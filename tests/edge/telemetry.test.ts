import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { postJson, rowCount, telemetryItem } from './helpers';

describe('POST /api/telemetry', () => {
  it('stores a batch once, however often it is sent', async () => {
    const items = [telemetryItem(), telemetryItem({ backend: 'webgl', warmupMs: undefined, loadMs: undefined, userAgentClass: 'desktop' })];
    const first = await postJson('/api/telemetry', { items });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ accepted: items.map((i) => i.id), duplicates: [] });
    const again = await postJson('/api/telemetry', { items });
    expect(await again.json()).toEqual({ accepted: [], duplicates: items.map((i) => i.id) });
    expect(await rowCount(env.DB, 'telemetry')).toBe(2);
    const row = await env.DB.prepare('SELECT * FROM telemetry WHERE id = ?').bind(items[1]!.id).first();
    expect(row).toMatchObject({ backend: 'webgl', latency_ms: 20, warmup_ms: null, user_agent_class: 'desktop' });
  });

  it('treats one UUID in upper and in lower case as one id', async () => {
    const item = telemetryItem();
    await postJson('/api/telemetry', { items: [{ ...item, id: item.id.toUpperCase() }] });
    expect(await (await postJson('/api/telemetry', { items: [item] })).json()).toEqual({ accepted: [], duplicates: [item.id] });
    expect(await rowCount(env.DB, 'telemetry')).toBe(1);
  });

  it('writes nothing from a batch with one bad item', async () => {
    const res = await postJson('/api/telemetry', { items: [telemetryItem(), { ...telemetryItem(), backend: 'gpu' }] });
    expect(res.status).toBe(400);
    expect(await rowCount(env.DB, 'telemetry')).toBe(0);
  });
});
