/** User settings, kept in IndexedDB so the service worker's background sync honours them too. */
import type { PawlensDB } from './db';

export interface Settings {
  /** Send feedback and telemetry to the server. When off, nothing is sent and no telemetry is recorded. */
  sharing: boolean;
}

const DEFAULTS: Settings = { sharing: true };

export async function loadSettings(db: PawlensDB): Promise<Settings> {
  return { ...DEFAULTS, ...((await db.get('kv', 'settings')) as Partial<Settings> | undefined) };
}

export async function saveSettings(db: PawlensDB, settings: Settings): Promise<void> {
  await db.put('kv', settings, 'settings');
}
