/** Every D1 query the worker runs. Route files stay thin; the SQL lives here. */
import type { Backend, FeedbackItem, Label, LatestModel, ModelFile, ModelMetrics, TelemetryItem } from './contract';

export interface InsertResult {
  accepted: string[];
  duplicates: string[];
}

/**
 * One D1 batch (a single transaction): all rows or none. `ON CONFLICT DO NOTHING RETURNING id` tells
 * which ids were new; an id already stored (or repeated in the batch) comes back empty: a duplicate.
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
    stmt.bind(f.id, f.modelVersion, f.predicted, f.confidence, f.actual, f.createdAt, receivedAt, f.latencyMs ?? null, f.backend ?? null)
  );
  return insertBatch(db, statements, items.map((f) => f.id));
}

export function insertTelemetry(db: D1Database, items: TelemetryItem[], receivedAt: string): Promise<InsertResult> {
  const stmt = db.prepare(
    `INSERT INTO telemetry (id, model_version, backend, latency_ms, warmup_ms, load_ms, user_agent_class, created_at, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id`
  );
  const statements = items.map((t) =>
    stmt.bind(t.id, t.modelVersion, t.backend, t.latencyMs, t.warmupMs ?? null, t.loadMs ?? null, t.userAgentClass, t.createdAt ?? null, receivedAt)
  );
  return insertBatch(db, statements, items.map((t) => t.id));
}

export interface ConfusionRow {
  model_version: string;
  actual: Label;
  predicted: Label;
  n: number;
}

export async function feedbackConfusion(db: D1Database, modelVersion?: string): Promise<ConfusionRow[]> {
  const where = modelVersion === undefined ? '' : 'WHERE model_version = ?1';
  const stmt = db.prepare(
    `SELECT model_version, actual, predicted, COUNT(*) AS n FROM feedback ${where} GROUP BY model_version, actual, predicted`
  );
  const { results } = await (modelVersion === undefined ? stmt : stmt.bind(modelVersion)).all<ConfusionRow>();
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

/** Nearest-rank percentiles per (version, backend): the value at rank ceil(p * n), in integer math. */
export async function latencyPercentiles(db: D1Database, modelVersion?: string): Promise<LatencyRow[]> {
  const where = modelVersion === undefined ? '' : 'WHERE model_version = ?1';
  const stmt = db.prepare(
    `WITH ranked AS (
       SELECT model_version, backend, latency_ms,
              ROW_NUMBER() OVER (PARTITION BY model_version, backend ORDER BY latency_ms) AS rn,
              COUNT(*) OVER (PARTITION BY model_version, backend) AS n
       FROM telemetry ${where})
     SELECT model_version, backend, n,
            MIN(CASE WHEN rn * 100 >= 50 * n THEN latency_ms END) AS p50,
            MIN(CASE WHEN rn * 100 >= 95 * n THEN latency_ms END) AS p95,
            MIN(CASE WHEN rn * 100 >= 99 * n THEN latency_ms END) AS p99
     FROM ranked GROUP BY model_version, backend ORDER BY model_version, backend`
  );
  const { results } = await (modelVersion === undefined ? stmt : stmt.bind(modelVersion)).all<LatencyRow>();
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
}

const toLatest = (r: ModelRow): LatestModel => ({
  version: r.version,
  files: JSON.parse(r.files) as ModelFile[],
  metrics: r.metrics === null ? null : (JSON.parse(r.metrics) as ModelMetrics),
  publishedAt: r.published_at
});

const LATEST_MODEL_SQL = 'SELECT * FROM models ORDER BY published_at DESC, version DESC LIMIT 1';

export async function latestModel(db: D1Database): Promise<LatestModel | null> {
  const row = await db.prepare(LATEST_MODEL_SQL).first<ModelRow>();
  return row ? toLatest(row) : null;
}

/** Feedback count and latest model in one round trip (health is polled often). */
export async function healthSnapshot(db: D1Database): Promise<{ feedbackCount: number; latest: LatestModel | null }> {
  const [count, latest] = await db.batch<Record<string, unknown>>([
    db.prepare('SELECT COUNT(*) AS n FROM feedback'),
    db.prepare(LATEST_MODEL_SQL)
  ]);
  const row = latest?.results[0] as ModelRow | undefined;
  return { feedbackCount: Number(count?.results[0]?.n ?? 0), latest: row ? toLatest(row) : null };
}

export async function modelExists(db: D1Database, version: string): Promise<boolean> {
  return (await db.prepare('SELECT 1 AS x FROM models WHERE version = ?').bind(version).first('x')) !== null;
}

/** Returns false when the version was published meanwhile (versions are immutable). */
export async function insertModel(db: D1Database, m: LatestModel): Promise<boolean> {
  const r = await db
    .prepare('INSERT INTO models (version, published_at, files, metrics) VALUES (?, ?, ?, ?) ON CONFLICT (version) DO NOTHING')
    .bind(m.version, m.publishedAt, JSON.stringify(m.files), m.metrics === null ? null : JSON.stringify(m.metrics))
    .run();
  return r.meta.changes === 1;
}
