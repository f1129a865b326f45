/**
 * The order of the review list, pure. Photos the current model contradicts with very high confidence
 * come first (the person or the model is plainly wrong: worth a maintainer's look before anything is
 * trained on it); likely duplicates (the same bytes, or pictures a few dHash bits apart) sit together;
 * otherwise newest upload first.
 */
import type { Label, ReviewPhoto } from '../../../../edge/src/contract';
import { hamming } from './dhash';

/** A photo is flagged when the current model's top label differs from the person's with at least this probability. */
export const CONTRADICTION_THRESHOLD = 0.95;
/** Two photos whose dHashes differ in at most this many of 64 bits are likely the same picture. */
export const DUPLICATE_DISTANCE = 6;

/** What the current model says about a shared photo: its top label and that label's probability. */
export interface ModelCheck {
  label: Label;
  confidence: number;
}

/** Whether the model contradicts `said` (the label the photo would be trained on) with very high confidence. */
export function contradicts(check: ModelCheck, said: Label, threshold = CONTRADICTION_THRESHOLD): boolean {
  return check.label !== said && check.confidence >= threshold;
}

/** The label a shared photo would be trained on: the maintainer's once relabelled, else the person's. */
export const trainLabel = (p: Pick<ReviewPhoto, 'label' | 'actual'>): Label => p.label ?? p.actual;

export interface Hashed {
  id: string;
  sha256: string;
  /** The photo's dHash; null until it is known (or when it could not be decoded). */
  dhash: string | null;
}

/**
 * Likely duplicates as groups of ids: photos with the same sha256 or dHashes at most `maxDistance`
 * apart, transitively. Every photo is in one group (alone, when it has no duplicate); groups and
 * their members keep the input order.
 */
export function duplicateGroups(items: readonly Hashed[], maxDistance = DUPLICATE_DISTANCE): string[][] {
  const parent = items.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)));
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const a = items[i]!;
      const b = items[j]!;
      const same = a.sha256 === b.sha256 || (a.dhash !== null && b.dhash !== null && hamming(a.dhash, b.dhash) <= maxDistance);
      // The smaller index stays the root, so a group is named by its first member.
      if (same) parent[Math.max(root(i), root(j))] = Math.min(root(i), root(j));
    }
  }
  const groups = new Map<number, string[]>();
  items.forEach((item, i) => {
    const r = root(i);
    groups.set(r, [...(groups.get(r) ?? []), item.id]);
  });
  return [...groups.values()];
}

export interface ReviewRow {
  photo: ReviewPhoto;
  /** The current model contradicts the photo's label with very high confidence. */
  flagged: boolean;
  /** Its group of likely duplicates, numbered from 1 in list order; null when it has none. */
  group: number | null;
}

/**
 * The review list: flagged photos first, then newest upload first; a photo's likely duplicates
 * follow it (the group placed where its first member goes).
 */
export function reviewRows(photos: readonly ReviewPhoto[], checks: ReadonlyMap<string, ModelCheck>, hashes: ReadonlyMap<string, string>): ReviewRow[] {
  const flagged = (p: ReviewPhoto) => {
    const check = checks.get(p.id);
    return check !== undefined && contradicts(check, trainLabel(p));
  };
  const newest = [...photos].sort((a, b) => Date.parse(b.uploadedAt) - Date.parse(a.uploadedAt));
  const rank = new Map(newest.map((p, i) => [p.id, (flagged(p) ? 0 : newest.length) + i]));
  const byRank = (a: ReviewPhoto, b: ReviewPhoto) => rank.get(a.id)! - rank.get(b.id)!;
  const byId = new Map(photos.map((p) => [p.id, p]));
  const groups = duplicateGroups(newest.map((p) => ({ id: p.id, sha256: p.sha256, dhash: hashes.get(p.id) ?? null })))
    .map((ids) => ids.map((id) => byId.get(id)!).sort(byRank))
    .sort((a, b) => byRank(a[0]!, b[0]!));
  let number = 0;
  return groups.flatMap((members) => {
    const group = members.length > 1 ? ++number : null;
    return members.map((photo) => ({ photo, flagged: flagged(photo), group }));
  });
}
