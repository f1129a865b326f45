/**
 * Dataset fingerprint, DVC-style: sha256 over the sorted list of per-file entries. Order of discovery
 * does not matter; changing any byte of any file, or moving a file to another class or split, does.
 */
import { createHash } from 'node:crypto';

export interface FingerprintEntry {
  sha256: string;
  label: string;
  split?: string;
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function datasetFingerprint(entries: readonly FingerprintEntry[]): string {
  const lines = entries.map((e) => `${e.split ?? '-'}\t${e.label}\t${e.sha256}`).sort();
  return sha256Hex(lines.join('\n'));
}
