/**
 * `npm run feedback -- pull`, the pure half: which label each shared photo is trained on, the rows of
 * manifest.csv, and what to do with the folder (fetch, keep, move, remove) given what it holds.
 */
import type { Label, ReviewPhoto } from '../../../edge/src/contract.ts';

/** A photo as the folder should hold it: DIR/<label>/<id>.jpg with this sha256. */
export interface Wanted {
  id: string;
  label: Label;
  sha256: string;
}

/** A file the folder holds, hashed. */
export type Held = Wanted;

/**
 * The label to train on, or null to leave the photo out: approved photos carry the maintainer's label
 * (the person's when simply approved); with `all`, a pending photo carries the person's; rejected never.
 */
export function trainingLabel(p: Pick<ReviewPhoto, 'status' | 'label' | 'actual'>, all: boolean): Label | null {
  if (p.status === 'approved') return p.label ?? p.actual;
  if (p.status === 'pending' && all) return p.actual;
  return null;
}

export const MANIFEST_HEADER = ['id', 'label', 'user_label', 'model_version', 'predicted', 'confidence', 'created', 'sha256'] as const;
export type ManifestRow = Record<(typeof MANIFEST_HEADER)[number], string>;

export function manifestRow(p: ReviewPhoto, label: Label): ManifestRow {
  return {
    id: p.id,
    label,
    user_label: p.actual,
    model_version: p.modelVersion,
    predicted: p.predicted,
    confidence: String(p.confidence),
    created: p.createdAt,
    sha256: p.sha256
  };
}

/** No field can hold a comma, quote or newline (uuids, labels, versions, numbers, ISO times, hex), so plain CSV. */
export function formatManifest(rows: readonly ManifestRow[]): string {
  const sorted = [...rows].sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
  return [MANIFEST_HEADER.join(','), ...sorted.map((r) => MANIFEST_HEADER.map((k) => r[k]).join(','))].join('\n') + '\n';
}

export function parseManifest(text: string): ManifestRow[] {
  const [header, ...lines] = text.trim().split('\n');
  if (header !== MANIFEST_HEADER.join(',')) throw new Error(`manifest.csv: unexpected header "${header}"`);
  return lines.filter((l) => l.trim()).map((l) => {
    const cells = l.split(',');
    if (cells.length !== MANIFEST_HEADER.length) throw new Error(`manifest.csv: a row has ${cells.length} fields, not ${MANIFEST_HEADER.length}`);
    return Object.fromEntries(MANIFEST_HEADER.map((k, i) => [k, cells[i]!])) as ManifestRow;
  });
}

export interface PullPlan {
  /** to download; `replacing` are copies with a wrong sha256, removed once the new file is in place */
  fetch: { want: Wanted; replacing: Held[] }[];
  keep: Wanted[];
  /** a good copy in another label's folder: relabelled since the last pull */
  move: { want: Wanted; from: Held }[];
  /** extra copies, and (when pruning) photos no longer selected */
  remove: Held[];
}

/**
 * What brings the folder to `wanted`. A held file counts only if its sha256 is the server's. With
 * `prune` (a full listing, no --since), photos no longer selected (rejected since, say) are removed.
 */
export function planPull(wanted: readonly Wanted[], held: readonly Held[], prune: boolean): PullPlan {
  const plan: PullPlan = { fetch: [], keep: [], move: [], remove: [] };
  const byId = new Map<string, Held[]>();
  for (const h of held) byId.set(h.id, [...(byId.get(h.id) ?? []), h]);
  for (const want of wanted) {
    const copies = byId.get(want.id) ?? [];
    byId.delete(want.id);
    const good = copies.filter((c) => c.sha256 === want.sha256);
    const used = good.find((c) => c.label === want.label) ?? good[0];
    if (!used) plan.fetch.push({ want, replacing: copies });
    else {
      if (used.label === want.label) plan.keep.push(want);
      else plan.move.push({ want, from: used });
      plan.remove.push(...copies.filter((c) => c !== used));
    }
  }
  if (prune) for (const rest of byId.values()) plan.remove.push(...rest);
  return plan;
}
