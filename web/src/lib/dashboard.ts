/** Dashboard figures from the API, with the last good answer kept for offline viewing. */
import { Health, LABELS, Performance, type ConfusionMatrix, type Interval, type VersionPerformance } from '../../../edge/src/contract';
import { z } from 'zod';
import type { Api } from './api/client';

export const Snapshot = z.object({ fetchedAt: z.string(), health: Health, performance: Performance });
export type Snapshot = z.infer<typeof Snapshot>;

const KEY = 'pawlens.dashboard';

export function lastSnapshot(storage: Storage): Snapshot | null {
  try {
    return Snapshot.parse(JSON.parse(storage.getItem(KEY) ?? 'null'));
  } catch {
    return null;
  }
}

/** Fetches fresh figures and remembers them; throws when the API cannot be reached. */
export async function fetchSnapshot(api: Api, storage: Storage): Promise<Snapshot> {
  const [health, performance] = await Promise.all([api.health(), api.performance()]);
  const snap = { fetchedAt: new Date().toISOString(), health, performance };
  storage.setItem(KEY, JSON.stringify(snap));
  return snap;
}

/** A feedback confusion matrix as cells in label order (rows actual, columns predicted), 3×3. */
export function confusionCells(m: ConfusionMatrix): number[][] {
  return LABELS.map((actual) => LABELS.map((predicted) => m[actual][predicted]));
}

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function age(fromIso: string, now = Date.now()): string {
  const s = Math.max(0, (now - Date.parse(fromIso)) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} days ago`;
}

/** "1 answer", "2 answers", "0 answers". */
export function answers(n: number): string {
  return `${n} ${n === 1 ? 'answer' : 'answers'}`;
}

/**
 * Why a version's accuracy has no value: `all` (every answer) has none without answers (the version
 * only sent timing figures); `pets` (cat and dog photos) has none when every answer said "neither".
 */
export function noAccuracyReason(v: Pick<VersionPerformance, 'feedbackCount'>, which: 'all' | 'pets'): string {
  if (v.feedbackCount === 0) return 'no answers for this version yet, only timing figures';
  if (which === 'all') return 'no answers for this version yet';
  return v.feedbackCount === 1 ? 'the one answer was about a photo with no cat or dog' : `all ${v.feedbackCount} answers were about photos with no cat or dog`;
}

/** "50.0 %": a share, one decimal. */
export const percent = (v: number) => `${(v * 100).toFixed(1)} %`;

/** A share with its 95 % confidence interval: "82.0 % (95 % CI 71.3–89.6 %)"; a dash without one. */
export function withInterval(value: number | null, interval: Interval | null): string {
  if (value === null) return '–';
  return interval ? `${percent(value)} (95 % CI ${(interval.low * 100).toFixed(1)}–${percent(interval.high)})` : percent(value);
}

/** Who gets a version now: "served to all", "served to 50 %", "not served", or "not published here". */
export function servedText(servedPercent: number | null): string {
  if (servedPercent === null) return 'not published here';
  if (servedPercent === 0) return 'not served';
  return servedPercent === 100 ? 'served to all' : `served to ${servedPercent} %`;
}

/**
 * The versions side by side, to decide on a staged rollout: those served now first (the larger
 * share first), then the rest in the API's order.
 */
export function versionsSideBySide(versions: readonly VersionPerformance[]): VersionPerformance[] {
  return [...versions].sort((a, b) => (b.servedPercent ?? 0) - (a.servedPercent ?? 0));
}
