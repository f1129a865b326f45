/** User settings, kept in IndexedDB so the service worker's background sync honours them too. */
import type { PawlensDB } from './db';

export interface Settings {
  /** Send feedback and telemetry to the server. When off, nothing is sent and no telemetry is recorded. */
  sharing: boolean;
  /**
   * Also send the photos the person gives feedback on (a downscaled JPEG copy without metadata).
   * Off unless they turn it on; turning it off deletes the copies still waiting on the device.
   */
  photos: boolean;
}

export const DEFAULT_SETTINGS: Settings = { sharing: true, photos: false };

export async function loadSettings(db: PawlensDB): Promise<Settings> {
  return { ...DEFAULT_SETTINGS, ...((await db.get('kv', 'settings')) as Partial<Settings> | undefined) };
}

export async function saveSettings(db: PawlensDB, settings: Settings): Promise<void> {
  await db.put('kv', settings, 'settings');
}
