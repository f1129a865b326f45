import 'fake-indexeddb/auto';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BatchResult, FeedbackItem, TelemetryItem } from '../../edge/src/contract.ts';
import { ApiError, parseRetryAfter, type OutboxKind } from '../../web/src/lib/api/client.ts';
import { openPawlensDB } from '../../web/src/lib/db.ts';
import { Outbox, backoffDelay, type OutboxOptions } from '../../web/src/lib/outbox/outbox.ts';
import { bundledSchemas as schemas } from '../../web/src/lib/api/bundled-schemas.ts';

const feedback = (n = 0): FeedbackItem => ({
  id: randomUUID(),
  modelVersion: '2026.11.24-test',
  predicted: n % 2 ? 'dog' : 'cat',
  confidence: 0.9,
  actual: 'cat',
  createdAt: new Date(Date.UTC(2026, 10, 24, 0, 0, n)).toISOString()
});
const telemetry = (): TelemetryItem => ({
  id: randomUUID(),
  modelVersion: '2026.11.24-test',
  backend: 'wasm',
  latencyMs: 12,
  userAgentClass: 'desktop'
});

/** A server that stores ids once and answers like POST /api/feedback and /api/telemetry. */
function fakeServer() {
  const stored = { feedback: [] as string[], telemetry: [] as string[] };
  const calls: { kind: OutboxKind; ids: string[]; installId: string; at: number }[] = [];
  const plan: ('ok' | 'fail' | 'store-then-fail' | 'rate-limited')[] = [];
  const send: OutboxOptions['send'] = async (kind, items, installId) => {
    const ids = items.map((i) => i.id);
    calls.push({ kind, ids, installId, at: Date.now() });
    const step = plan.shift() ?? 'ok';
    if (step === 'fail') throw new TypeError('Failed to fetch');
    if (step === 'rate-limited') throw new ApiError(429, 'rate_limited', 'too many requests', 300);
    const res: BatchResult = { accepted: [], duplicates: [] };
    for (const id of ids) {
      if (stored[kind].includes(id)) res.duplicates.push(id);
      else {
        stored[kind].push(id);
        res.accepted.push(id);
      }
    }
    if (step === 'store-then-fail') throw new TypeError('network dropped after the server stored the batch');
    return res;
  };
  return { stored, calls, plan, send };
}

async function setup(opts: Partial<OutboxOptions> = {}) {
  const db = await openPawlensDB(`outbox-test-${randomUUID()}`);
  const server = fakeServer();
  let enabled = true;
  const outbox = new Outbox({ db, schemas, send: server.send, enabled: async () => enabled, ...opts });
  return { db, server, outbox, setEnabled: (v: boolean) => (enabled = v) };
}

describe('outbox', () => {
  it('sends oldest first, per kind, and empties after acceptance', async () => {
    const { outbox, server } = await setup();
    const items = [feedback(0), feedback(1), feedback(2)];
    for (const i of items) await outbox.add('feedback', i);
    await outbox.add('telemetry', telemetry());
    expect(await outbox.counts()).toEqual({ feedback: 3, telemetry: 1, photos: 0 });
    const r = await outbox.flush();
    expect(r).toEqual({ sent: 4, ok: true });
    expect(server.calls.map((c) => c.kind)).toEqual(['feedback', 'telemetry']);
    expect(server.calls[0]!.ids).toEqual(items.map((i) => i.id));
    expect(await outbox.counts()).toEqual({ feedback: 0, telemetry: 0, photos: 0 });
  });

  it('sends at most 100 items per request', async () => {
    const { outbox, server } = await setup();
    for (let i = 0; i < 150; i++) await outbox.add('telemetry', telemetry());
    await outbox.flush();
    expect(server.calls.map((c) => c.ids.length)).toEqual([100, 50]);
    expect(server.stored.telemetry).toHaveLength(150);
  });

  it('keeps items after a failed send, and backs off before retrying', async () => {
    const { outbox, server } = await setup({ retryTimer: true, baseDelayMs: 20, maxDelayMs: 40, random: () => 1 });
    await outbox.add('feedback', feedback());
    server.plan.push('fail', 'fail');
    const r = await outbox.flush();
    expect(r.ok).toBe(false);
    expect(outbox.consecutiveFailures).toBe(1);
    expect(await outbox.counts()).toEqual({ feedback: 1, telemetry: 0, photos: 0 });
    // The timer retries (and fails once more), then succeeds.
    await expect.poll(() => outbox.counts(), { timeout: 2000, interval: 10 }).toEqual({ feedback: 0, telemetry: 0, photos: 0 });
    expect(server.calls).toHaveLength(3);
    expect(outbox.consecutiveFailures).toBe(0);
    outbox.stop();
  });

  it('counts nothing twice when the connection drops after the server stored the batch', async () => {
    const { outbox, server } = await setup();
    const items = [feedback(0), feedback(1)];
    for (const i of items) await outbox.add('feedback', i);
    server.plan.push('store-then-fail');
    expect((await outbox.flush()).ok).toBe(false);
    expect(await outbox.counts()).toEqual({ feedback: 2, telemetry: 0, photos: 0 });
    expect((await outbox.retryNow()).ok).toBe(true);
    expect(server.stored.feedback).toEqual(items.map((i) => i.id));
    expect(await outbox.counts()).toEqual({ feedback: 0, telemetry: 0, photos: 0 });
  });

  it('removes only what the server acknowledged', async () => {
    const { outbox, db } = await setup();
    const [a, b] = [feedback(0), feedback(1)];
    const partial = new Outbox({
      db,
      schemas,
      enabled: async () => true,
      send: async () => ({ accepted: [a.id], duplicates: [] })
    });
    await outbox.add('feedback', a);
    await outbox.add('feedback', b);
    // The server acknowledged a, not b: b stays and the flush reports failure after the next round acknowledges none.
    const r = await partial.flush();
    expect(r.ok).toBe(false);
    const left = await db.getAllFromIndex('outbox', 'kind', 'feedback');
    expect(left.map((e) => e.id)).toEqual([b.id]);
  });

  it('sends nothing while sharing is off, and everything once it is on again', async () => {
    const { outbox, server, setEnabled } = await setup();
    setEnabled(false);
    await outbox.add('feedback', feedback());
    expect(await outbox.flush()).toEqual({ sent: 0, ok: false });
    expect(server.calls).toHaveLength(0);
    setEnabled(true);
    expect(await outbox.flush()).toEqual({ sent: 1, ok: true });
  });

  it('runs one flush at a time', async () => {
    const { outbox, server } = await setup();
    await outbox.add('feedback', feedback());
    const [r1, r2] = await Promise.all([outbox.flush(), outbox.flush()]);
    expect(r1).toBe(r2);
    expect(server.calls).toHaveLength(1);
  });

  it('rejects invalid items and stores nothing', async () => {
    const { outbox } = await setup();
    await expect(outbox.add('feedback', { ...feedback(), confidence: 2 })).rejects.toThrow();
    await expect(outbox.add('telemetry', { ...telemetry(), id: 'not-a-uuid' })).rejects.toThrow();
    expect(await outbox.counts()).toEqual({ feedback: 0, telemetry: 0, photos: 0 });
  });

  it('keeps and sends feedback on a "neither" verdict as predicted neither, and refuses an "unsure" prediction', async () => {
    const { outbox, server, db } = await setup();
    const item: FeedbackItem = { ...feedback(), predicted: 'neither', actual: 'cat' };
    await outbox.add('feedback', item);
    expect((await db.getAllFromIndex('outbox', 'kind', 'feedback')).map((e) => e.kind === 'feedback' && e.item)).toEqual([item]);
    await expect(outbox.add('feedback', { ...feedback(), predicted: 'unsure' as FeedbackItem['predicted'] })).rejects.toThrow();
    expect(await outbox.flush()).toEqual({ sent: 1, ok: true });
    expect(server.stored.feedback).toEqual([item.id]);
  });

  it('stores an id once', async () => {
    const { outbox } = await setup();
    const item = feedback();
    await outbox.add('feedback', item);
    await expect(outbox.add('feedback', item)).rejects.toThrow();
    expect(await outbox.counts()).toEqual({ feedback: 1, telemetry: 0, photos: 0 });
  });

  it('waits as long as a 429 asks (Retry-After) before sending again, and loses nothing', async () => {
    const { outbox, server } = await setup({ retryTimer: true, baseDelayMs: 1, maxDelayMs: 1, random: () => 1 });
    const items = [feedback(0), feedback(1)];
    for (const i of items) await outbox.add('feedback', i);
    server.plan.push('rate-limited');
    expect(await outbox.flush()).toMatchObject({ sent: 0, ok: false });
    // Coming back online does not beat the server's Retry-After.
    expect(await outbox.retryNow()).toEqual({ sent: 0, ok: false });
    expect(server.calls).toHaveLength(1);
    await expect.poll(() => server.stored.feedback.length, { timeout: 5000 }).toBe(2);
    expect(server.calls).toHaveLength(2);
    expect(server.calls[1]!.at - server.calls[0]!.at).toBeGreaterThanOrEqual(290);
    expect(await outbox.counts()).toEqual({ feedback: 0, telemetry: 0, photos: 0 });
    outbox.stop();
  });

  it('names this install in every send, with one id that stays', async () => {
    const { db, outbox, server } = await setup();
    await outbox.add('feedback', feedback(0));
    await outbox.flush();
    await outbox.add('telemetry', telemetry());
    await new Outbox({ db, schemas, send: server.send, enabled: async () => true }).flush();
    const ids = server.calls.map((c) => c.installId);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).toBe(ids[0]);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.UTC(2026, 10, 27, 12, 0, 0);
    expect(parseRetryAfter('10', now)).toBe(10_000);
    expect(parseRetryAfter(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('backs off exponentially up to a cap, with jitter', () => {
    expect([1, 2, 3, 4, 10].map((n) => backoffDelay(n, 1000, 8000, () => 1))).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(backoffDelay(3, 1000, 8000, () => 0)).toBe(2000);
  });

  describe('changing an answer until it is sent', () => {
    /** A server that keeps the first `actual` it gets per id (what POST /api/feedback stores), and can hold a send. */
    function answerServer() {
      const stored = new Map<string, string>();
      let hold: Promise<void> | null = null;
      const sends: string[][] = [];
      const send: OutboxOptions['send'] = async (_kind, items) => {
        sends.push(items.map((i) => i.id));
        await hold;
        const res: BatchResult = { accepted: [], duplicates: [] };
        for (const i of items as FeedbackItem[]) {
          if (stored.has(i.id)) res.duplicates.push(i.id);
          else (stored.set(i.id, i.actual), res.accepted.push(i.id));
        }
        return res;
      };
      return { stored, sends, send, hold: (p: Promise<void> | null) => (hold = p) };
    }

    async function withAnswerServer(opts: Partial<OutboxOptions> = {}) {
      const server = answerServer();
      const { db, outbox } = await setup({ send: server.send, ...opts });
      return { db, outbox, server };
    }

    it('sends the final answer, once', async () => {
      const { server, outbox } = await withAnswerServer();
      const item = feedback();
      await outbox.add('feedback', { ...item, actual: 'dog' });
      expect(await outbox.change('feedback', { ...item, actual: 'neither' })).toBe('changed');
      expect(await outbox.change('feedback', { ...item, actual: 'cat' })).toBe('changed');
      expect(await outbox.has(item.id)).toBe(true);
      await outbox.flush();
      expect([...server.stored]).toEqual([[item.id, 'cat']]);
      expect(await outbox.has(item.id)).toBe(false);
    });

    it('says "sent" once the server has it, and changes nothing then', async () => {
      const { server, outbox } = await withAnswerServer();
      const item = feedback();
      await outbox.add('feedback', item);
      await outbox.flush();
      expect(await outbox.change('feedback', { ...item, actual: 'dog' })).toBe('sent');
      expect(await outbox.counts()).toEqual({ feedback: 0, telemetry: 0, photos: 0 });
      expect(server.stored.get(item.id)).toBe('cat');
    });

    it('waits for a send under way, then says whether it went (the server never gets a half-changed answer)', async () => {
      const { server, outbox } = await withAnswerServer();
      const item = feedback();
      await outbox.add('feedback', item);
      let release!: () => void;
      server.hold(new Promise((ok) => (release = ok)));
      const flushing = outbox.flush();
      await expect.poll(() => server.sends.length).toBe(1);
      let outcome: string | undefined;
      const changing = outbox.change('feedback', { ...item, actual: 'dog' }).then((o) => (outcome = o));
      await new Promise((ok) => setTimeout(ok, 300));
      expect(outcome).toBeUndefined();
      release();
      await flushing;
      await changing;
      expect(outcome).toBe('sent');
      expect(server.stored.get(item.id)).toBe('cat');
    });

    it('lets two outboxes on one database (page and service worker) never send an entry at the same time', async () => {
      const { db, server, outbox: page } = await withAnswerServer();
      const worker = new Outbox({ db, schemas, send: server.send, enabled: async () => true });
      const items = [feedback(0), feedback(1), feedback(2)];
      for (const i of items) await page.add('feedback', i);
      let release!: () => void;
      server.hold(new Promise((ok) => (release = ok)));
      const first = page.flush();
      await expect.poll(() => server.sends.length).toBe(1);
      // While the page's send is under way, the worker finds nothing to send.
      expect(await worker.flush()).toEqual({ sent: 0, ok: true });
      release();
      expect(await first).toEqual({ sent: 3, ok: true });
      expect(server.sends).toEqual([items.map((i) => i.id)]);
    });

    it('sends, by itself, what the service worker held and gave back after a failed send', async () => {
      const { db, server, outbox: page } = await withAnswerServer({ retryTimer: true });
      const worker = new Outbox({ db, schemas, send: server.send, enabled: async () => true });
      const item = feedback();
      await page.add('feedback', item);
      let fail!: (e: Error) => void;
      server.hold(new Promise((_, no) => (fail = no)));
      const held = worker.flush();
      await expect.poll(() => server.sends.length).toBe(1);
      expect(await page.flush()).toEqual({ sent: 0, ok: true });
      server.hold(null);
      fail(new TypeError('Failed to fetch'));
      expect((await held).ok).toBe(false);
      // No new answer, no "online" event: the page looks again and sends it.
      await expect.poll(() => server.stored.get(item.id), { timeout: 5000, interval: 50 }).toBe('cat');
      page.stop();
    });
  });
});

