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
 * A feedback answer may carry a copy of its photo (when the person shares photos). The copy waits in
 * the answer's entry and is uploaded only once the server has accepted the answer: the entry then
 * becomes a photo entry that leaves after its upload. Turning photo sharing off deletes them all.
 * Works in the page and in the service worker (Background Sync).
 */
import type { BatchResult, PhotoUploadResult } from '../../../../edge/src/contract';
import { MAX_BATCH } from '../../../../edge/src/contract-constants';
import { ApiError, type OutboxItem, type OutboxKind } from '../api/client';
import type { SchemaSource } from '../api/schemas';
import { keptRandomId, type OutboxEntry, type PawlensDB, type PhotoCopy } from '../db';

export const OUTBOX_KINDS: readonly OutboxKind[] = ['feedback', 'telemetry'];
const SCHEMA = { feedback: 'FeedbackItem', telemetry: 'TelemetryItem' } as const;

/** Channel on which every realm announces outbox changes, so a page sees what the service worker sent. */
export const OUTBOX_CHANNEL = 'pawlens-outbox';
export const SYNC_TAG = 'pawlens-outbox';

/** A send's claim on its entries lapses after this long (a tab closed mid-send must not hold them forever). */
export const CLAIM_MS = 60_000;
/** How often a page looks again at entries another realm is sending (it may fail and let go of them). */
const HELD_POLL_MS = 1000;
/** Photos go one request each; a send claims this many at a time, so a slow link does not outlast CLAIM_MS. */
const PHOTO_BATCH = 5;
const claimed = (e: OutboxEntry, now: number) => (e.claimedUntil ?? 0) > now;
/** An upload the server refused for good (a 4xx other than a timeout or rate limit): retrying cannot help. */
const refused = (e: unknown) => e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 408 && e.status !== 429;

export interface OutboxCounts {
  feedback: number;
  telemetry: number;
  /** Photos whose answer the server already has, waiting for their own upload. */
  photos: number;
}

export interface OutboxOptions {
  db: PawlensDB;
  /** The contract's schemas, which every item is checked against before it is stored. */
  schemas: SchemaSource;
  send: <K extends OutboxKind>(kind: K, items: OutboxItem<K>[], installId: string) => Promise<BatchResult>;
  /** PUT /api/feedback/:id/photo; without it, photos are never uploaded. */
  upload?: (id: string, jpeg: ArrayBuffer, installId: string) => Promise<PhotoUploadResult>;
  /** Whether sending is allowed right now (the user's sharing setting). */
  enabled: () => Promise<boolean>;
  /** Whether photos may be uploaded right now (the user's photo sharing setting); off when absent. */
  photos?: () => Promise<boolean>;
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

/** This install's random id for the rate limit, made on first use and shared by the page and the service worker. */
export const installId = (db: PawlensDB) => keptRandomId(db, 'installId');

export class Outbox {
  private failures = 0;
  /** No send before this time (ms since the epoch): the server's Retry-After. */
  private notBefore = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<FlushResult> | undefined;
  private again = false;

  constructor(private readonly opts: OutboxOptions) {}

  /** Validates and stores an item, a feedback answer with its photo's copy if given; it is sent by the next flush. */
  async add<K extends OutboxKind>(kind: K, item: OutboxItem<K>, photo?: K extends 'feedback' ? PhotoCopy : never): Promise<void> {
    const parsed = (await this.opts.schemas())[SCHEMA[kind]].parse(item);
    await this.opts.db.add('outbox', { kind, id: parsed.id, item: parsed, ...(photo ? { photo } : {}) } as OutboxEntry);
    this.opts.onChange?.();
  }

  /** Whether the item is still waiting (false once the server has it, even while its photo waits). */
  async has(id: string): Promise<boolean> {
    const entry = await this.opts.db.getFromIndex('outbox', 'id', id);
    return entry !== undefined && entry.kind !== 'photo';
  }

  /** Deletes every photo copy still on the device (photo sharing was turned off); the answers stay. */
  async dropPhotos(): Promise<void> {
    const tx = this.opts.db.transaction('outbox', 'readwrite');
    for (let cursor = await tx.store.openCursor(); cursor; cursor = await cursor.continue()) {
      const entry = cursor.value;
      if (entry.kind === 'photo') await cursor.delete();
      else if (entry.kind === 'feedback' && entry.photo) {
        const { photo: _dropped, ...rest } = entry;
        await cursor.update(rest);
      }
    }
    await tx.done;
    this.opts.onChange?.();
  }

  /**
   * Replaces a waiting item with `item` (same id). Returns 'sent' when it is too late: the server
   * already has the item. While a send of it is under way, waits for that send to end first.
   */
  async change<K extends OutboxKind>(kind: K, item: OutboxItem<K>): Promise<'changed' | 'sent'> {
    const parsed = (await this.opts.schemas())[SCHEMA[kind]].parse(item);
    for (;;) {
      const tx = this.opts.db.transaction('outbox', 'readwrite');
      const found = await tx.store.index('id').get(parsed.id);
      // A photo entry means the answer itself went already.
      const entry = found?.kind === kind ? found : undefined;
      const busy = entry !== undefined && claimed(entry, Date.now());
      // The spread keeps the entry's photo: a changed answer still has its one photo.
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
    const [feedback, telemetry, photos] = await Promise.all(
      [...OUTBOX_KINDS, 'photo'].map((k) => this.opts.db.countFromIndex('outbox', 'kind', k))
    );
    return { feedback: feedback ?? 0, telemetry: telemetry ?? 0, photos: photos ?? 0 };
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
    const photos = await this.uploadPhotos(install);
    sent += photos.sent;
    held ||= photos.held;
    if (!photos.ok) return { sent, ok: false, error: photos.error };
    // Another realm is sending some entries: should its send fail, they are this outbox's to send again.
    if (held) this.retryIn(HELD_POLL_MS);
    return { sent, ok: true };
  }

  /**
   * Uploads the photos whose answers the server has, one request each, while photo sharing is on.
   * A photo the server refuses for good is dropped (retrying cannot help); other failures back off.
   */
  private async uploadPhotos(install: string): Promise<{ sent: number; ok: boolean; held: boolean; error?: unknown }> {
    const { upload, photos } = this.opts;
    let sent = 0;
    let held = false;
    while (upload && (await photos?.())) {
      const { batch, heldElsewhere } = await this.claim('photo', PHOTO_BATCH);
      held ||= heldElsewhere;
      if (batch.length === 0) break;
      const done = new Set<string>();
      for (const entry of batch) {
        if (!(await photos?.())) continue;
        try {
          await upload(entry.id, entry.photo.jpeg, install);
        } catch (error) {
          if (!refused(error)) {
            sent += await this.settle(batch, done);
            this.scheduleRetry(error);
            return { sent, ok: false, held, error };
          }
          console.warn(`The server refused the photo of answer ${entry.id}; it is dropped.`, error);
        }
        done.add(entry.id);
      }
      sent += await this.settle(batch, done);
      this.failures = 0;
      this.opts.onChange?.();
    }
    return { sent, ok: true, held };
  }

  /**
   * The next batch of `kind` nobody else is sending, claimed for this send (one transaction), and
   * whether entries were skipped because another send holds them.
   */
  private async claim<K extends OutboxEntry['kind']>(kind: K, limit = MAX_BATCH): Promise<{ batch: Extract<OutboxEntry, { kind: K }>[]; heldElsewhere: boolean }> {
    const tx = this.opts.db.transaction('outbox', 'readwrite');
    const now = Date.now();
    const batch: Extract<OutboxEntry, { kind: K }>[] = [];
    let heldElsewhere = false;
    for (let cursor = await tx.store.index('kind').openCursor(kind); cursor && batch.length < limit; cursor = await cursor.continue()) {
      if (claimed(cursor.value, now)) {
        heldElsewhere = true;
        continue;
      }
      const entry = { ...cursor.value, claimedUntil: now + CLAIM_MS } as Extract<OutboxEntry, { kind: K }>;
      await cursor.update(entry);
      batch.push(entry);
    }
    await tx.done;
    return { batch, heldElsewhere };
  }

  /**
   * After a send: deletes what the server acknowledged (an answer with a photo becomes that photo's
   * entry, waiting for its upload), releases the claim on the rest; returns how many went.
   */
  private async settle(batch: OutboxEntry[], acked: Set<string>): Promise<number> {
    const tx = this.opts.db.transaction('outbox', 'readwrite');
    for (const e of batch) {
      // Re-read rather than use the batch's copy: a claim that outlived CLAIM_MS let a change through,
      // and photo sharing may have been turned off (its copy deleted) during the send.
      const current = await tx.store.get(e.seq!);
      if (!current) continue;
      if (!acked.has(e.id)) await tx.store.put({ ...current, claimedUntil: undefined });
      else if (current.kind === 'feedback' && current.photo) await tx.store.put({ seq: current.seq, kind: 'photo', id: current.id, photo: current.photo });
      else await tx.store.delete(e.seq!);
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
