import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { RATE_LIMIT_PERIOD_S, clientKeys } from '../../edge/src/rate-limit';
import { api, errorOf, feedbackItem, jpegBytes, postJson, putPhoto, rowCount, someClientIp } from './helpers';

const { CLIENT_WRITE_LIMIT, IP_WRITE_LIMIT } = env.TEST_RATE_LIMITS;

/** Posts one fresh feedback item per request as `headers`' client until the first 429 (bounded). */
async function untilLimited(headers: Record<string, string>, max: number) {
  let accepted = 0;
  for (let i = 0; i < max; i++) {
    const res = await postJson('/api/feedback', { items: [feedbackItem()] }, headers);
    if (res.status === 429) return { accepted, limited: res };
    expect(res.status).toBe(200);
    await res.arrayBuffer(); // unread bodies pile up in workerd
    accepted++;
  }
  return { accepted, limited: null };
}

describe('rate limits on write routes', () => {
  it('declares the period the worker announces in Retry-After', () => {
    expect(CLIENT_WRITE_LIMIT.period).toBe(RATE_LIMIT_PERIOD_S);
    expect(IP_WRITE_LIMIT.period).toBe(RATE_LIMIT_PERIOD_S);
    expect(IP_WRITE_LIMIT.limit).toBeGreaterThan(CLIENT_WRITE_LIMIT.limit);
  });

  it('answers 429 rate_limited with Retry-After once a client is over its limit, and stores nothing then', async () => {
    const ip = someClientIp();
    const flooder = { 'cf-connecting-ip': ip, 'x-install-id': crypto.randomUUID() };
    // A window may end during the run, so up to two windows' worth can pass before the first 429.
    const { accepted, limited } = await untilLimited(flooder, 5 * CLIENT_WRITE_LIMIT.limit);
    expect(limited).not.toBeNull();
    expect(accepted).toBeGreaterThanOrEqual(CLIENT_WRITE_LIMIT.limit);
    expect(limited!.headers.get('retry-after')).toBe(String(RATE_LIMIT_PERIOD_S));
    expect(await errorOf(limited!)).toMatchObject({ code: 'rate_limited' });
    expect(await rowCount(env.DB, 'feedback')).toBe(accepted);

    // Another install on the same address, and another address, are other clients.
    const neighbour = await postJson('/api/feedback', { items: [feedbackItem()] }, { 'cf-connecting-ip': ip, 'x-install-id': crypto.randomUUID() });
    expect(neighbour.status).toBe(200);
    expect((await postJson('/api/feedback', { items: [feedbackItem()] }, { 'cf-connecting-ip': someClientIp() })).status).toBe(200);
  });

  it('limits every write route, telemetry and admin ones included, but not reads', async () => {
    const client = { 'cf-connecting-ip': someClientIp() };
    await untilLimited(client, 5 * CLIENT_WRITE_LIMIT.limit);
    expect((await postJson('/api/telemetry', { items: [] }, client)).status).toBe(429);
    expect((await postJson('/api/models', {}, client)).status).toBe(429);
    expect((await postJson('/api/models/1.0.0/activate', {}, client)).status).toBe(429);
    expect((await postJson('/api/models/promote', {}, client)).status).toBe(429);
    expect((await postJson(`/api/review/${crypto.randomUUID()}`, {}, client)).status).toBe(429);
    expect((await putPhoto(crypto.randomUUID(), jpegBytes(), client)).status).toBe(429);
    expect((await api('/api/health', { headers: client })).status).toBe(200);
    expect((await api('/api/performance', { headers: client })).status).toBe(200);
  });

  // The tests run with the per-IP limit lowered (see vitest.edge.config.ts); the logic is the same.
  it('caps one address however many install ids it makes up', { timeout: 120_000 }, async () => {
    const ip = someClientIp();
    let passed = 0;
    let limited = false;
    // Empty batches, ten at a time: the limit is checked before the body, and a 400 costs no write.
    for (let i = 0; i < 5 * IP_WRITE_LIMIT.limit && !limited; i += 10) {
      const statuses = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const res = await postJson('/api/feedback', { items: [] }, { 'cf-connecting-ip': ip, 'x-install-id': crypto.randomUUID() });
          await res.arrayBuffer(); // unread bodies pile up in workerd
          return res.status;
        })
      );
      limited = statuses.includes(429);
      passed += statuses.filter((s) => s !== 429).length;
    }
    expect(limited).toBe(true);
    expect(passed).toBeGreaterThanOrEqual(IP_WRITE_LIMIT.limit);
  });

  it('keys a client by IP plus a well-formed install id, else by IP alone', () => {
    const id = crypto.randomUUID();
    expect(clientKeys('203.0.113.7', id.toUpperCase())).toEqual({ client: `203.0.113.7|${id}`, ip: '203.0.113.7' });
    expect(clientKeys('203.0.113.7', undefined)).toEqual({ client: '203.0.113.7', ip: '203.0.113.7' });
    expect(clientKeys('203.0.113.7', 'x|y')).toEqual({ client: '203.0.113.7', ip: '203.0.113.7' });
    expect(clientKeys(undefined, undefined)).toEqual({ client: 'unknown', ip: 'unknown' });
  });
});
