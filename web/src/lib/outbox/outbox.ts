/**
 * The outbox: feedback and telemetry wait in IndexedDB and go to the API in batches. An entry leaves
 * only when the server answered that its id was accepted or is a duplicate, so a closed tab, a dropped
 * connection or a restarting server loses nothing, and the id (the server's idempotency key) keeps
 * retries from counting twice. Failed sends back off exponentially (with jitter), and never retry
 * sooner than a rate-limited answer's Retry-After asks. Each send names this install (a random id kept
 * in IndexedDB), so the server's rate limit tells installs behind one address apart.
 * Entries being sent are claimed in IndexedDB for the time of the send, so another realm neither sends
 * them too nor changes them then: an answer can be changed until it is sent, and what the server
 * stores is the final answer, once.
 * Works in the page and in the service worker (Background Sync).
 */
import { FeedbackItem, MAX_BATCH, TelemetryItem, type BatchResult } from '../../../../edge/src/contract';
import { ApiError, type OutboxItem, type OutboxKind } from '../api/client';
import type { OutboxEntry, PawlensDB } from '../db';

export const OUTBOX_KINDS: readonly OutboxKind[] = ['feedback', 'telemetry'];
const SCHEMAS = { feedback: FeedbackItem, telemetry: TelemetryItem } as const;

/** Channel on which every realm announces outbox changes, so a page sees what the service worker sent. */
export const OUTBOX_CHANNEL = 'pawlens-outbox';
export const SYNC_TAG = 'pawlens-outbox';

/** A send's claim on its entries lapses after this long (a tab closed mid-send must not hold them forever). */
export const CLAIM_MS = 60_000;
/** How often a page looks again at entries another realm is sending (it may fail and let go of them). */
const HELD_POLL_MS = 1000;
const claimed = (e: OutboxEntry, now: number) => (e.claimedUntil ?? 0) > now;

export interface OutboxCounts {
  feedback: number;
  telemetry: number;
}

export interface OutboxOptions {
  db: PawlensDB;
  send: <K extends OutboxKind>(kind: K, items: OutboxItem<K>[], installId: string) => Promise<BatchResult>;
  /** Whether sending is allowed right now (the user's sharing setting). */
  enabled: () => Promise<boolean>;
  /** Retry failed sends by timer (page); the service worker leaves retries to Background Sync. */
  retryTimer?: boolean;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  onChange?: () => void;
}

export interface FlushResult {
  sent: number;
  /** Whether everything that could be sent was; false after a failed send or when sending is off. */
  ok: boolean;
  error?: unknown;
}

/** Delay before retry number `failures` (1, 2, ...): base·2^(n-1), capped, scaled by 50-100 % jitter. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, random: () => number): number {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(raw * (0.5 + random() * 0.5));
}

const INSTALL_ID_KEY = 'installId';

/** This install's random id, made on first use and shared by the page and the service worker. */
export async function installId(db: PawlensDB): Promise<string> {
  const known = (await db.get('kv', INSTALL_ID_KEY)) as string | undefined;
  if (known) return known;
  const id = crypto.randomUUID();
  await db.put('kv', id, INSTALL_ID_KEY);
  return id;
}

export class Outbox {
  private failures = 0;
  /** No send before this time (ms since the epoch): the server's Retry-After. */
  private notBefore = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<FlushResult> | undefined;
  private again = false;

  constructor(private readonly opts: OutboxOptions) {}

  /** Validates and stores an item; it is sent by the next flush. */
  async add<K extends OutboxKind>(kind: K, item: OutboxItem<K>): Promise<void> {
    const parsed = SCHEMAS[kind].parse(item);
    await this.opts.db.add('outbox', { kind, id: parsed.id, item: parsed } as OutboxEntry);
    this.opts.onChange?.();
  }

  /** Whether the item is still waiting (false once the server has it). */
  async has(id: string): Promise<boolean> {
    return (await this.opts.db.getKeyFromIndex('outbox', 'id', id)) !== undefined;
  }

  /**
   * Replaces a waiting item with `item` (same id). Returns 'sent' when it is too late: the server
   * already has the item. While a send of it is under way, waits for that send to end first.
   */
  async change<K extends OutboxKind>(kind: K, item: OutboxItem<K>): Promise<'changed' | 'sent'> {
    const parsed = SCHEMAS[kind].parse(item);
    for (;;) {
      const tx = this.opts.db.transaction('outbox', 'readwrite');
      const entry = await tx.store.index('id').get(parsed.id);
      const busy = entry !== undefined && claimed(entry, Date.now());
      if (entry && !busy) await tx.store.put({ ...entry, item: parsed } as OutboxEntry);
      await tx.done;
      if (!entry) return 'sent';
      if (!busy) {
        this.opts.onChange?.();
        return 'changed';
      }
      await new Promise((ok) => setTimeout(ok, 200));
    }
  }

  async counts(): Promise<OutboxCounts> {
    const [feedback, telemetry] = await Promise.all(
      OUTBOX_KINDS.map((k) => this.opts.db.countFromIndex('outbox', 'kind', k))
    );
    return { feedback: feedback ?? 0, telemetry: telemetry ?? 0 };
  }

  /** Number of retries that failed in a row (0 after a successful send). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /**
   * Sends everything waiting, oldest first, in batches of at most MAX_BATCH. One flush runs at a
   * time; a call during a flush makes it run once more afterwards and shares its result.
   */
  flush(): Promise<FlushResult> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running = (async () => {
      let result: FlushResult;
      do {
        this.again = false;
        result = await this.flushOnce();
      } while (this.again && result.ok);
      return result;
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Forget the backoff and send now (the browser says it is online again); a Retry-After still holds. */
  retryNow(): Promise<FlushResult> {
    this.failures = 0;
    return this.flush();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async flushOnce(): Promise<FlushResult> {
    if (!(await this.opts.enabled())) return { sent: 0, ok: false };
    const wait = this.notBefore - Date.now();
    if (wait > 0) {
      this.retryIn(wait);
      return { sent: 0, ok: false };
    }
    const install = await installId(this.opts.db);
    let sent = 0;
    let held = false;
    for (const kind of OUTBOX_KINDS) {
      for (;;) {
        const { batch, heldElsewhere } = await this.claim(kind);
        held ||= heldElsewhere;
        if (batch.length === 0) break;
        let done: Set<string>;
        try {
          const res = await this.opts.send(kind, batch.map((e) => e.item) as OutboxItem<typeof kind>[], install);
          done = new Set([...res.accepted, ...res.duplicates]);
          if (!batch.some((e) => done.has(e.id))) throw new Error('the server acknowledged none of the batch');
        } catch (error) {
          await this.settle(batch, new Set());
          this.scheduleRetry(error);
          return { sent, ok: false, error };
        }
        sent += await this.settle(batch, done);
        this.failures = 0;
        this.opts.onChange?.();
      }
    }
    // Another realm is sending some entries: should its send fail, they are this outbox's to send again.
    if (held) this.retryIn(HELD_POLL_MS);
    return { sent, ok: true };
  }

  /**
   * The next batch of `kind` nobody else is sending, claimed for this send (one transaction), and
   * whether entries were skipped because another send holds them.
   */
  private async claim(kind: OutboxKind): Promise<{ batch: OutboxEntry[]; heldElsewhere: boolean }> {
    const tx = this.opts.db.transaction('outbox', 'readwrite');
    const now = Date.now();
    const batch: OutboxEntry[] = [];
    let heldElsewhere = false;
    for (let cursor = await tx.store.index('kind').openCursor(kind); cursor && batch.length < MAX_BATCH; cursor = await cursor.continue()) {
      if (claimed(cursor.value, now)) {
        heldElsewhere = true;
        continue;
      }
      const entry = { ...cursor.value, claimedUntil: now + CLAIM_MS };
      await cursor.update(entry);
      batch.push(entry);
    }
    await tx.done;
    return { batch, heldElsewhere };
  }

  /** After a send: deletes what the server acknowledged, releases the claim on the rest; returns how many went. */
  private async settle(batch: OutboxEntry[], acked: Set<string>): Promise<number> {
    const tx = this.opts.db.transaction('outbox', 'readwrite');
    for (const e of batch) {
      if (acked.has(e.id)) await tx.store.delete(e.seq!);
      else {
        // Re-read rather than write back the batch's copy: a claim that outlived CLAIM_MS let a change through.
        const current = await tx.store.get(e.seq!);
        if (current) await tx.store.put({ ...current, claimedUntil: undefined });
      }
    }
    await tx.done;
    return batch.filter((e) => acked.has(e.id)).length;
  }

  private scheduleRetry(error: unknown): void {
    this.failures++;
    const retryAfter = error instanceof ApiError ? (error.retryAfterMs ?? 0) : 0;
    if (retryAfter > 0) this.notBefore = Date.now() + retryAfter;
    const delay = backoffDelay(this.failures, this.opts.baseDelayMs ?? 1000, this.opts.maxDelayMs ?? 60_000, this.opts.random ?? Math.random);
    this.retryIn(Math.max(delay, retryAfter));
  }

  /** Flush again after `ms` (page only: the service worker leaves retries to Background Sync). */
  private retryIn(ms: number): void {
    if (!this.opts.retryTimer) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), ms);
  }
}
