-- "neither" is now a class the model can predict. SQLite cannot change a CHECK in place, so the
-- feedback table is rebuilt with the wider one and its rows copied over unchanged.
CREATE TABLE feedback_v2 (
  id TEXT PRIMARY KEY,
  model_version TEXT NOT NULL,
  predicted TEXT NOT NULL CHECK (predicted IN ('cat', 'dog', 'neither')),
  confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  actual TEXT NOT NULL CHECK (actual IN ('cat', 'dog', 'neither')),
  created_at TEXT NOT NULL,
  received_at TEXT NOT NULL,
  latency_ms REAL,
  backend TEXT
) WITHOUT ROWID;
INSERT INTO feedback_v2 (id, model_version, predicted, confidence, actual, created_at, received_at, latency_ms, backend)
  SELECT id, model_version, predicted, confidence, actual, created_at, received_at, latency_ms, backend FROM feedback;
DROP TABLE feedback;
ALTER TABLE feedback_v2 RENAME TO feedback;
CREATE INDEX feedback_by_version ON feedback (model_version, actual, predicted);
