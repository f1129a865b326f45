-- Feedback from the app: one row per client-made id (the idempotency key).
CREATE TABLE feedback (
  id TEXT PRIMARY KEY,
  model_version TEXT NOT NULL,
  predicted TEXT NOT NULL CHECK (predicted IN ('cat', 'dog')),
  confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  actual TEXT NOT NULL CHECK (actual IN ('cat', 'dog', 'neither')),
  created_at TEXT NOT NULL,
  received_at TEXT NOT NULL,
  latency_ms REAL,
  backend TEXT
) WITHOUT ROWID;
-- /api/performance and /api/metrics group feedback by version, actual and predicted: covered here.
CREATE INDEX feedback_by_version ON feedback (model_version, actual, predicted);

-- Client performance figures: one row per client-made id.
CREATE TABLE telemetry (
  id TEXT PRIMARY KEY,
  model_version TEXT NOT NULL,
  backend TEXT NOT NULL CHECK (backend IN ('webgl', 'wasm', 'cpu', 'webgpu')),
  latency_ms REAL NOT NULL,
  warmup_ms REAL,
  load_ms REAL,
  user_agent_class TEXT NOT NULL,
  created_at TEXT,
  received_at TEXT NOT NULL
) WITHOUT ROWID;
-- Percentiles per (version, backend) walk latencies in order: covered here.
CREATE INDEX telemetry_by_version_backend ON telemetry (model_version, backend, latency_ms);

-- Published models; the files themselves live in R2 under models/<version>/<path>.
CREATE TABLE models (
  version TEXT PRIMARY KEY,
  published_at TEXT NOT NULL,
  files TEXT NOT NULL,   -- JSON [{ path, sha256, bytes }]
  metrics TEXT           -- JSON test metrics from metadata.json, if it parsed
) WITHOUT ROWID;
CREATE INDEX models_by_published ON models (published_at);
