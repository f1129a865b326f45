/** Every D1 query the worker runs. Route files stay thin; the SQL lives here. */
import type { Backend, FeedbackItem, Label, LatestModel, ModelFile, ModelMetrics, ModelState, ModelSummary, TelemetryItem } from './contract';

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
}

const toLatest = (r: ModelRow): LatestModel => ({
  version: r.version,
  files: JSON.parse(r.files) as ModelFile[],
  metrics: r.metrics === null ? null : (JSON.parse(r.metrics) as ModelMetrics),
  publishedAt: r.published_at
});

const ACTIVE_MODEL_SQL = "SELECT * FROM models WHERE state = 'active'";

/** The version clients should run (what `GET /api/models/latest` offers), if an admin made one active. */
export async function activeModel(db: D1Database): Promise<LatestModel | null> {
  const row = await db.prepare(ACTIVE_MODEL_SQL).first<ModelRow>();
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

/** Every published version, newest first. */
export async function listModels(db: D1Database): Promise<ModelSummary[]> {
  const { results } = await db.prepare('SELECT * FROM models ORDER BY published_at DESC, version DESC').all<ModelRow>();
  return results.map((r) => ({
    version: r.version,
    state: r.state,
    publishedAt: r.published_at,
    bytes: (JSON.parse(r.files) as ModelFile[]).reduce((s, f) => s + f.bytes, 0)
  }));
}

/**
 * Statements that make `version` the only active one, for the caller's batch (one transaction);
 * with `publishedAt`, only if that row is the one published then.
 */
function activating(db: D1Database, version: string, publishedAt?: string) {
  const it = publishedAt === undefined ? 'version = ?1' : 'version = ?1 AND published_at = ?2';
  const bind = (stmt: D1PreparedStatement) => (publishedAt === undefined ? stmt.bind(version) : stmt.bind(version, publishedAt));
  return [
    bind(db.prepare(`UPDATE models SET state = 'inactive' WHERE state = 'active' AND EXISTS (SELECT 1 FROM models WHERE ${it})`)),
    bind(db.prepare(`UPDATE models SET state = 'active' WHERE ${it}`))
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

/** Sets a published version's state; false when no such version exists. */
export async function setModelState(db: D1Database, version: string, state: 'active' | 'withdrawn'): Promise<boolean> {
  const statements =
    state === 'active' ? activating(db, version) : [db.prepare("UPDATE models SET state = 'withdrawn' WHERE version = ?1").bind(version)];
  const results = await db.batch(statements);
  return results.at(-1)!.meta.changes === 1;
}
