/** Every D1 query the worker runs. Route files stay thin; the SQL lives here. */
import type {
  Backend,
  FeedbackItem,
  Label,
  LatestModel,
  LifecycleResult,
  ModelFile,
  ModelMetrics,
  ModelState,
  ModelSummary,
  ReviewAction,
  ReviewPhoto,
  ReviewStatus,
  TelemetryItem
} from './contract';

export interface InsertResult {
  accepted: string[];
  duplicates: string[];
}

/**
 * One D1 batch (a single transaction): all rows or none. `ON CONFLICT DO NOTHING RETURNING id` tells
 * which ids were new; an id already stored (or repeated in the batch) comes back empty: a duplicate.
 * Ids are stored in lower case (a UUID in either case is the same id); the answer names them as sent.
 */
async function insertBatch(db: D1Database, statements: D1PreparedStatement[], ids: string[]): Promise<InsertResult> {
  const results = await db.batch<{ id: string }>(statements);
  const accepted: string[] = [];
  const duplicates: string[] = [];
  results.forEach((r, i) => ((r.results?.length ?? 0) > 0 ? accepted : duplicates).push(ids[i]!));
  return { accepted, duplicates };
}

export function insertFeedback(db: D1Database, items: FeedbackItem[], receivedAt: string): Promise<InsertResult> {
  const stmt = db.prepare(
    `INSERT INTO feedback (id, model_version, predicted, confidence, actual, created_at, received_at, latency_ms, backend)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id`
  );
  const statements = items.map((f) =>
    stmt.bind(f.id.toLowerCase(), f.modelVersion, f.predicted, f.confidence, f.actual, f.createdAt, receivedAt, f.latencyMs ?? null, f.backend ?? null)
  );
  return insertBatch(db, statements, items.map((f) => f.id));
}

export function insertTelemetry(db: D1Database, items: TelemetryItem[], receivedAt: string): Promise<InsertResult> {
  const stmt = db.prepare(
    `INSERT INTO telemetry (id, model_version, backend, latency_ms, warmup_ms, load_ms, user_agent_class, created_at, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id`
  );
  const statements = items.map((t) =>
    stmt.bind(t.id.toLowerCase(), t.modelVersion, t.backend, t.latencyMs, t.warmupMs ?? null, t.loadMs ?? null, t.userAgentClass, t.createdAt ?? null, receivedAt)
  );
  return insertBatch(db, statements, items.map((t) => t.id));
}

/** The one series that every model version without a label of its own is counted under. */
export const OTHER_VERSION = 'other';
/** How many published versions (newest first) keep their own label, besides the shipped one. */
export const MAX_LABELLED_VERSIONS = 50;

/**
 * Bounded labels: feedback and telemetry name any version a client likes, so aggregates name only the
 * shipped version (?1) and the newest published ones; every other version is folded into `other`.
 */
const LABELLED = `labelled(version) AS (
  SELECT ?1 UNION SELECT version FROM (SELECT version FROM models ORDER BY published_at DESC, version DESC LIMIT ${MAX_LABELLED_VERSIONS}))`;
const folded = (table: string) =>
  `COALESCE(labelled.version, '${OTHER_VERSION}') AS model_version FROM ${table} LEFT JOIN labelled ON labelled.version = ${table}.model_version`;

export interface ConfusionRow {
  model_version: string;
  actual: Label;
  predicted: Label;
  n: number;
}

/** Feedback counts per (labelled version, actual, predicted); `modelVersion` keeps one labelled version. */
export async function feedbackConfusion(db: D1Database, shipped: string | null, modelVersion?: string): Promise<ConfusionRow[]> {
  const where = modelVersion === undefined ? '' : 'WHERE model_version = ?2';
  const stmt = db.prepare(
    `WITH ${LABELLED}, f AS (SELECT actual, predicted, ${folded('feedback')})
     SELECT model_version, actual, predicted, COUNT(*) AS n FROM f ${where} GROUP BY model_version, actual, predicted`
  );
  const { results } = await (modelVersion === undefined ? stmt.bind(shipped) : stmt.bind(shipped, modelVersion)).all<ConfusionRow>();
  return results;
}

export interface LatencyRow {
  model_version: string;
  backend: Backend;
  n: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Nearest-rank percentiles per (labelled version, backend): the value at rank ceil(p * n), in integer math. */
export async function latencyPercentiles(db: D1Database, shipped: string | null, modelVersion?: string): Promise<LatencyRow[]> {
  const where = modelVersion === undefined ? '' : 'WHERE model_version = ?2';
  const stmt = db.prepare(
    `WITH ${LABELLED}, t AS (SELECT backend, latency_ms, ${folded('telemetry')}),
     ranked AS (
       SELECT model_version, backend, latency_ms,
              ROW_NUMBER() OVER (PARTITION BY model_version, backend ORDER BY latency_ms) AS rn,
              COUNT(*) OVER (PARTITION BY model_version, backend) AS n
       FROM t ${where})
     SELECT model_version, backend, n,
            MIN(CASE WHEN rn * 100 >= 50 * n THEN latency_ms END) AS p50,
            MIN(CASE WHEN rn * 100 >= 95 * n THEN latency_ms END) AS p95,
            MIN(CASE WHEN rn * 100 >= 99 * n THEN latency_ms END) AS p99
     FROM ranked GROUP BY model_version, backend ORDER BY model_version, backend`
  );
  const { results } = await (modelVersion === undefined ? stmt.bind(shipped) : stmt.bind(shipped, modelVersion)).all<LatencyRow>();
  return results;
}

/** Upper bounds (ms) of the telemetry latency histogram exposed on /api/metrics. */
export const LATENCY_BUCKETS_MS = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000] as const;

export interface HistogramRow {
  backend: Backend;
  count: number;
  sum: number;
  /** Cumulative counts per bucket of LATENCY_BUCKETS_MS. */
  buckets: number[];
}

export async function latencyHistogram(db: D1Database): Promise<HistogramRow[]> {
  const cols = LATENCY_BUCKETS_MS.map((le, i) => `SUM(latency_ms <= ${le}) AS b${i}`).join(', ');
  const { results } = await db
    .prepare(`SELECT backend, COUNT(*) AS count, SUM(latency_ms) AS sum, ${cols} FROM telemetry GROUP BY backend ORDER BY backend`)
    .all<Record<string, number> & { backend: Backend }>();
  return results.map((r) => ({
    backend: r.backend,
    count: r.count ?? 0,
    sum: r.sum ?? 0,
    buckets: LATENCY_BUCKETS_MS.map((_, i) => r[`b${i}`] ?? 0)
  }));
}

interface ModelRow {
  version: string;
  published_at: string;
  files: string;
  metrics: string | null;
  state: ModelState;
  /** The staged share; null unless staged. */
  percent: number | null;
}

const toLatest = (r: ModelRow): LatestModel => ({
  version: r.version,
  files: JSON.parse(r.files) as ModelFile[],
  metrics: r.metrics === null ? null : (JSON.parse(r.metrics) as ModelMetrics),
  publishedAt: r.published_at
});

/** Share of installs a models row is served to: the staged one its percent, the active one the rest, others none. */
const SERVED_PERCENT = `CASE state WHEN 'staged' THEN percent
  WHEN 'active' THEN 100 - COALESCE((SELECT percent FROM models WHERE state = 'staged'), 0) ELSE 0 END`;

const ACTIVE_MODEL_SQL = "SELECT * FROM models WHERE state = 'active'";

/**
 * The version an install in `bucket` should run (what `GET /api/models/latest` offers): the staged
 * one when the bucket is below its percent, else the active one; without a bucket, the active one.
 */
export async function servedModel(db: D1Database, bucket: number | null): Promise<LatestModel | null> {
  const row = await db
    .prepare("SELECT * FROM models WHERE state = 'active' OR (state = 'staged' AND ?1 < percent) ORDER BY state = 'staged' DESC LIMIT 1")
    .bind(bucket)
    .first<ModelRow>();
  return row ? toLatest(row) : null;
}

/** Feedback count, active model and last publish time in one round trip (health is polled often). */
export async function healthSnapshot(db: D1Database): Promise<{ feedbackCount: number; active: LatestModel | null; lastPublishedAt: string | null }> {
  const [count, active, last] = await db.batch<Record<string, unknown>>([
    db.prepare('SELECT COUNT(*) AS n FROM feedback'),
    db.prepare(ACTIVE_MODEL_SQL),
    db.prepare('SELECT MAX(published_at) AS at FROM models')
  ]);
  const row = active?.results[0] as ModelRow | undefined;
  return {
    feedbackCount: Number(count?.results[0]?.n ?? 0),
    active: row ? toLatest(row) : null,
    lastPublishedAt: (last?.results[0]?.at as string | null | undefined) ?? null
  };
}

export async function modelExists(db: D1Database, version: string): Promise<boolean> {
  return (await db.prepare('SELECT 1 AS x FROM models WHERE version = ?').bind(version).first('x')) !== null;
}

/** Every published version, newest first, with the share of installs it is served to. */
export async function listModels(db: D1Database): Promise<ModelSummary[]> {
  const { results } = await db
    .prepare(`SELECT *, ${SERVED_PERCENT} AS served FROM models ORDER BY published_at DESC, version DESC`)
    .all<ModelRow & { served: number }>();
  return results.map((r) => ({
    version: r.version,
    state: r.state,
    percent: r.served,
    publishedAt: r.published_at,
    bytes: (JSON.parse(r.files) as ModelFile[]).reduce((s, f) => s + f.bytes, 0)
  }));
}

/** The share of installs each published version is served to now, by version. */
export async function servedPercents(db: D1Database): Promise<Map<string, number>> {
  const { results } = await db.prepare(`SELECT version, ${SERVED_PERCENT} AS served FROM models`).all<{ version: string; served: number }>();
  return new Map(results.map((r) => [r.version, r.served]));
}

/**
 * Statements that make `version` the one active for everyone (a staged version becomes inactive),
 * for the caller's batch (one transaction); with `publishedAt`, only if that row is the one published then.
 */
function activating(db: D1Database, version: string, publishedAt?: string) {
  const it = publishedAt === undefined ? 'version = ?1' : 'version = ?1 AND published_at = ?2';
  const bind = (stmt: D1PreparedStatement) => (publishedAt === undefined ? stmt.bind(version) : stmt.bind(version, publishedAt));
  return [
    bind(
      db.prepare(
        `UPDATE models SET state = 'inactive', percent = NULL WHERE state IN ('active', 'staged') AND EXISTS (SELECT 1 FROM models WHERE ${it})`
      )
    ),
    bind(db.prepare(`UPDATE models SET state = 'active', percent = NULL WHERE ${it}`))
  ];
}

/**
 * Statements that stage `version` for `percent` of installs, replacing a staged one (which becomes
 * inactive); nothing changes when `version` is the active one.
 */
function staging(db: D1Database, version: string, percent: number) {
  return [
    db
      .prepare(
        `UPDATE models SET state = 'inactive', percent = NULL
         WHERE state = 'staged' AND EXISTS (SELECT 1 FROM models WHERE version = ?1 AND state <> 'active')`
      )
      .bind(version),
    db.prepare("UPDATE models SET state = 'staged', percent = ?2 WHERE version = ?1 AND state <> 'active'").bind(version, percent)
  ];
}

/**
 * Stores a published version, active when asked. Returns false when the version was published
 * meanwhile (versions are immutable); then nothing changes, the active version included.
 */
export async function insertModel(db: D1Database, m: LatestModel, activate: boolean): Promise<boolean> {
  const [inserted] = await db.batch([
    db
      .prepare("INSERT INTO models (version, published_at, files, metrics, state) VALUES (?, ?, ?, ?, 'inactive') ON CONFLICT (version) DO NOTHING")
      .bind(m.version, m.publishedAt, JSON.stringify(m.files), m.metrics === null ? null : JSON.stringify(m.metrics)),
    // Activation only when this batch inserted the row (its published_at is ours).
    ...(activate ? activating(db, m.version, m.publishedAt) : [])
  ]);
  return inserted!.meta.changes === 1;
}

const lifecycleOf = (db: D1Database, version: string) =>
  db.prepare(`SELECT version, state, ${SERVED_PERCENT} AS percent FROM models WHERE version = ?1`).bind(version);

/**
 * Serves `version` to `percent` of installs: 100 makes it active for everyone, less stages it.
 * Returns its state afterwards, or null when no such version exists. Staging the active version
 * changes nothing (the caller sees it still active).
 */
export async function activateModel(db: D1Database, version: string, percent: number): Promise<LifecycleResult | null> {
  const changes = percent >= 100 ? activating(db, version) : staging(db, version, percent);
  const results = await db.batch<LifecycleResult>([...changes, lifecycleOf(db, version)]);
  return results.at(-1)!.results[0] ?? null;
}

/** Withdraws a version (never offered again unless activated anew); false when no such version exists. */
export async function withdrawModel(db: D1Database, version: string): Promise<boolean> {
  const result = await db.prepare("UPDATE models SET state = 'withdrawn', percent = NULL WHERE version = ?1").bind(version).run();
  return result.meta.changes === 1;
}

/** Makes the staged version active for everyone (the active one becomes inactive); null when none is staged. */
export async function promoteStaged(db: D1Database): Promise<string | null> {
  const results = await db.batch<{ version: string }>([
    db.prepare("UPDATE models SET state = 'inactive' WHERE state = 'active' AND EXISTS (SELECT 1 FROM models WHERE state = 'staged')"),
    db.prepare("UPDATE models SET state = 'active', percent = NULL WHERE state = 'staged' RETURNING version")
  ]);
  return results.at(-1)!.results[0]?.version ?? null;
}

/** Withdraws the staged version, so every install returns to the active one; null when none is staged. */
export async function rollbackStaged(db: D1Database): Promise<string | null> {
  const row = await db.prepare("UPDATE models SET state = 'withdrawn', percent = NULL WHERE state = 'staged' RETURNING version").first<{ version: string }>();
  return row?.version ?? null;
}

// ---- Feedback photos and their review ----

export interface StoredPhoto {
  sha256: string;
  bytes: number;
}

/** Whether feedback `id` is stored, and its photo if it has one (ids in lower case). */
export async function feedbackPhoto(db: D1Database, id: string): Promise<{ photo: StoredPhoto | null } | null> {
  const row = await db
    .prepare('SELECT p.sha256, p.bytes FROM feedback f LEFT JOIN feedback_photos p ON p.id = f.id WHERE f.id = ?1')
    .bind(id)
    .first<{ sha256: string | null; bytes: number }>();
  if (!row) return null;
  return { photo: row.sha256 === null ? null : { sha256: row.sha256, bytes: row.bytes } };
}

/** Stores a photo's row if its feedback item exists and it has none yet; false otherwise (another upload won). */
export async function insertPhoto(db: D1Database, id: string, photo: StoredPhoto, uploadedAt: string): Promise<boolean> {
  const result = await db
    .prepare(
      `INSERT INTO feedback_photos (id, sha256, bytes, uploaded_at)
       SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM feedback WHERE id = ?1) ON CONFLICT (id) DO NOTHING`
    )
    .bind(id, photo.sha256, photo.bytes, uploadedAt)
    .run();
  return result.meta.changes === 1;
}

interface ReviewRow {
  id: string;
  sha256: string;
  bytes: number;
  uploaded_at: string;
  created_at: string;
  model_version: string;
  predicted: Label;
  confidence: number;
  actual: Label;
  status: ReviewStatus;
  label: Label | null;
  reviewed_at: string | null;
}

const REVIEW_SQL = `SELECT p.id, p.sha256, p.bytes, p.uploaded_at, f.created_at, f.model_version, f.predicted, f.confidence, f.actual,
  p.status, p.label, p.reviewed_at FROM feedback_photos p JOIN feedback f ON f.id = p.id`;

const toReviewPhoto = (r: ReviewRow): ReviewPhoto => ({
  id: r.id,
  sha256: r.sha256,
  bytes: r.bytes,
  uploadedAt: r.uploaded_at,
  createdAt: r.created_at,
  modelVersion: r.model_version,
  predicted: r.predicted,
  confidence: r.confidence,
  actual: r.actual,
  status: r.status,
  label: r.label,
  reviewedAt: r.reviewed_at
});

/**
 * Shared photos, newest upload first; `status` keeps one status, `since` (an ISO time in UTC, as
 * stored) keeps those reviewed since then when listing approved ones, else those uploaded since then.
 */
export async function listReview(db: D1Database, status: ReviewStatus | null, since: string | null): Promise<ReviewPhoto[]> {
  const time = status === 'approved' ? 'p.reviewed_at' : 'p.uploaded_at';
  const { results } = await db
    .prepare(`${REVIEW_SQL} WHERE (?1 IS NULL OR p.status = ?1) AND (?2 IS NULL OR ${time} >= ?2) ORDER BY p.uploaded_at DESC, p.id DESC`)
    .bind(status, since)
    .all<ReviewRow>();
  return results.map(toReviewPhoto);
}

/** The sha256 of feedback `id`'s shared photo (its bytes are under objectKey), or null when it has none. */
export async function photoSha256(db: D1Database, id: string): Promise<string | null> {
  return db.prepare('SELECT sha256 FROM feedback_photos WHERE id = ?1').bind(id).first<string>('sha256');
}

/**
 * A maintainer's verdict on a photo: approve trains on the person's label, relabel on the given one
 * (both approve), reject on none. Returns the photo afterwards, or null when `id` has no photo.
 */
export async function reviewPhoto(db: D1Database, id: string, action: ReviewAction, reviewedAt: string): Promise<ReviewPhoto | null> {
  const label = action.action === 'relabel' ? action.label : null;
  const [, row] = await db.batch<ReviewRow>([
    db
      .prepare(
        `UPDATE feedback_photos SET
           status = CASE ?2 WHEN 'reject' THEN 'rejected' ELSE 'approved' END,
           label = CASE ?2 WHEN 'reject' THEN NULL WHEN 'relabel' THEN ?3 ELSE (SELECT actual FROM feedback WHERE feedback.id = feedback_photos.id) END,
           reviewed_at = ?4
         WHERE id = ?1`
      )
      .bind(id, action.action, label, reviewedAt),
    db.prepare(`${REVIEW_SQL} WHERE p.id = ?1`).bind(id)
  ]);
  const r = row!.results[0];
  return r ? toReviewPhoto(r) : null;
}
