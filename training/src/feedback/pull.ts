/**
 * `npm run feedback -- pull`: brings DIR/{cat,dog,neither}/<id>.jpg and DIR/manifest.csv in line with
 * the reviewed photos on the server. Resumable and idempotent: files already held with the server's
 * sha256 are kept (or moved, when relabelled), others are downloaded to a hidden temp name, checked
 * against the server's sha256 and only then renamed into place.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LABELS, ReviewList, type Label, type ReviewPhoto } from '../../../edge/src/contract.ts';
import type { ApiClient } from '../api-client.ts';
import { sha256Hex } from '../data/fingerprint.ts';
import { formatManifest, manifestRow, parseManifest, planPull, trainingLabel, type Held, type ManifestRow, type Wanted } from './plan.ts';

const PHOTO_FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jpg$/;

export interface PullOptions {
  out: string;
  /** ISO time: only photos reviewed (approved) or uploaded (--all) since then */
  since?: string;
  /** every photo not rejected: approved ones with their label, pending ones with the person's */
  all: boolean;
}

export interface PullSummary {
  fetched: number;
  /** of the fetched, those replacing a held file whose sha256 was wrong */
  replaced: number;
  kept: number;
  moved: number;
  removed: number;
  failed: { id: string; reason: string }[];
}

const pathOf = (out: string, p: { id: string; label: Label }) => join(out, p.label, `${p.id}.jpg`);

/** Every DIR/<label>/<uuid>.jpg, listed only. */
function heldFiles(out: string): { id: string; label: Label }[] {
  return LABELS.flatMap((label) => {
    const dir = join(out, label);
    if (!existsSync(dir)) return [];
    return readdirSync(dir).flatMap((name) => {
      const id = PHOTO_FILE.exec(name)?.[1];
      return id ? [{ id, label }] : [];
    });
  });
}

/** Every DIR/<label>/<uuid>.jpg, hashed. */
export function heldPhotos(out: string): Held[] {
  return heldFiles(out).map((f) => ({ ...f, sha256: sha256Hex(readFileSync(pathOf(out, f))) }));
}

async function listPhotos(api: ApiClient, o: PullOptions): Promise<ReviewPhoto[]> {
  const query = new URLSearchParams({ status: o.all ? 'all' : 'approved', ...(o.since ? { since: o.since } : {}) });
  const body = await api.json('GET', `/api/review?${query}`).catch((e: Error) => {
    throw new Error(`GET /api/review: ${e.message}`);
  });
  return ReviewList.parse(body).photos;
}

export async function pullFeedback(api: ApiClient, o: PullOptions, log: (line: string) => void = console.log): Promise<PullSummary> {
  const photos = (await listPhotos(api, o)).flatMap((p) => {
    const label = trainingLabel(p, o.all);
    return label ? [{ photo: p, label }] : [];
  });
  const wanted: Wanted[] = photos.map(({ photo, label }) => ({ id: photo.id, label, sha256: photo.sha256 }));
  const plan = planPull(wanted, heldPhotos(o.out), o.since === undefined);
  for (const label of LABELS) mkdirSync(join(o.out, label), { recursive: true });

  const failed: PullSummary['failed'] = [];
  const present = new Set<string>([...plan.keep.map((w) => w.id)]);
  // Extra copies go first: one may sit where a move puts the good copy.
  for (const h of plan.remove) rmSync(pathOf(o.out, h), { force: true });
  for (const { want, from } of plan.move) {
    renameSync(pathOf(o.out, from), pathOf(o.out, want));
    present.add(want.id);
  }
  for (const { want, replacing } of plan.fetch) {
    const temp = join(o.out, want.label, `.${want.id}.jpg.part`);
    try {
      const bytes = await api.bytes(`/api/review/${want.id}/photo`);
      const sha256 = sha256Hex(bytes);
      if (sha256 !== want.sha256) throw new Error(`sha256 ${sha256} is not the server's ${want.sha256}`);
      writeFileSync(temp, bytes);
      for (const r of replacing) rmSync(pathOf(o.out, r), { force: true });
      renameSync(temp, pathOf(o.out, want));
      present.add(want.id);
    } catch (e) {
      rmSync(temp, { force: true });
      failed.push({ id: want.id, reason: (e as Error).message });
      log(`failed ${want.id}: ${(e as Error).message}`);
    }
  }

  // The manifest lists what the folder holds: this listing's photos, plus (with --since) earlier ones it still holds.
  const manifestPath = join(o.out, 'manifest.csv');
  const earlier = existsSync(manifestPath) ? parseManifest(readFileSync(manifestPath, 'utf8')) : [];
  const rows = new Map<string, ManifestRow>();
  const stillHeld = new Set(heldFiles(o.out).map((h) => h.id));
  for (const r of earlier) if (stillHeld.has(r.id)) rows.set(r.id, r);
  for (const { photo, label } of photos) if (present.has(photo.id)) rows.set(photo.id, manifestRow(photo, label));
  writeFileSync(manifestPath, formatManifest([...rows.values()]));

  const replaced = plan.fetch.filter((f) => f.replacing.length > 0 && present.has(f.want.id)).length;
  return { fetched: plan.fetch.length - failed.length, replaced, kept: plan.keep.length, moved: plan.move.length, removed: plan.remove.length, failed };
}

export function formatSummary(s: PullSummary, out: string): string {
  const replaced = s.replaced ? ` (${s.replaced} replacing a damaged file)` : '';
  return `${out}: ${s.fetched} new${replaced}, ${s.kept} kept, ${s.moved} moved, ${s.removed} removed, ${s.failed.length} failed`;
}
