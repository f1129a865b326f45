/** The app's one IndexedDB database: the outbox queue and a small key-value store (settings, model state). */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { FeedbackItem, TelemetryItem } from '../../../edge/src/contract';

/** A feedback photo's shareable copy: JPEG bytes (downscaled, no metadata) and their sha256. */
export interface PhotoCopy {
  jpeg: ArrayBuffer;
  sha256: string;
}

/**
 * `claimedUntil`: a send of this entry is under way (in some realm) until then, ms since the epoch.
 * A feedback entry may carry its photo; once the server accepted the item, the entry becomes a
 * `photo` entry (same id), which waits for its upload.
 */
export type OutboxEntry =
  | { seq?: number; kind: 'feedback'; id: string; item: FeedbackItem; photo?: PhotoCopy; claimedUntil?: number }
  | { seq?: number; kind: 'telemetry'; id: string; item: TelemetryItem; claimedUntil?: number }
  | { seq?: number; kind: 'photo'; id: string; photo: PhotoCopy; claimedUntil?: number };

export interface PawlensSchema extends DBSchema {
  outbox: { key: number; value: OutboxEntry; indexes: { kind: string; id: string } };
  kv: { key: string; value: unknown };
}

export type PawlensDB = IDBPDatabase<PawlensSchema>;

export const DB_NAME = 'pawlens';

const opened = new Map<string, Promise<PawlensDB>>();

/** Opens the database once per realm (page or service worker); tests pass their own name. */
export function openPawlensDB(name = DB_NAME): Promise<PawlensDB> {
  let db = opened.get(name);
  if (!db) {
    db = open(name);
    opened.set(name, db);
  }
  return db;
}

function open(name: string): Promise<PawlensDB> {
  return openDB<PawlensSchema>(name, 1, {
    upgrade(db) {
      // `seq` orders the queue; the index on kind returns entries in seq order within a kind.
      const outbox = db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
      outbox.createIndex('kind', 'kind');
      outbox.createIndex('id', 'id', { unique: true });
      db.createObjectStore('kv');
    }
  });
}

/** A random id made on first use and kept under `key`, the same for the page and the service worker. */
export async function keptRandomId(db: PawlensDB, key: string): Promise<string> {
  const tx = db.transaction('kv', 'readwrite');
  let id = await tx.store.get(key);
  if (typeof id !== 'string') {
    id = crypto.randomUUID();
    await tx.store.put(id, key);
  }
  await tx.done;
  return id as string;
}

/**
 * This install's id for staged rollouts (`GET /api/models/latest?install=`): its hash picks the
 * install's stable bucket. Not the id the outbox names its sends with, so it never travels with feedback.
 */
export const rolloutId = (db: PawlensDB) => keptRandomId(db, 'rolloutId');
