/** The app's one IndexedDB database: the outbox queue and a small key-value store (settings, model state). */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { FeedbackItem, TelemetryItem } from '../../../edge/src/contract';

/** `claimedUntil`: a send of this entry is under way (in some realm) until then, ms since the epoch. */
export type OutboxEntry =
  | { seq?: number; kind: 'feedback'; id: string; item: FeedbackItem; claimedUntil?: number }
  | { seq?: number; kind: 'telemetry'; id: string; item: TelemetryItem; claimedUntil?: number };

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
