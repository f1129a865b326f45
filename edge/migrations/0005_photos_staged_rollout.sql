-- Staged rollout: a version can be 'staged', served to the installs whose bucket is below its
-- `percent` (1-99), while the active one serves everyone else. At most one version is staged, and
-- only a staged version has a percent. SQLite cannot change a CHECK in place, so the models table is
-- rebuilt and its rows copied over unchanged.
CREATE TABLE models_v2 (
  version TEXT PRIMARY KEY,
  published_at TEXT NOT NULL,
  files TEXT NOT NULL,   -- JSON [{ path, sha256, bytes }]
  metrics TEXT,          -- JSON test metrics from metadata.json, if it parsed
  state TEXT NOT NULL DEFAULT 'inactive' CHECK (state IN ('active', 'staged', 'inactive', 'withdrawn')),
  percent INTEGER CHECK (percent BETWEEN 1 AND 99),
  CHECK ((state = 'staged') = (percent IS NOT NULL))
) WITHOUT ROWID;
INSERT INTO models_v2 (version, published_at, files, metrics, state)
  SELECT version, published_at, files, metrics, state FROM models;
DROP TABLE models;
ALTER TABLE models_v2 RENAME TO models;
CREATE INDEX models_by_published ON models (published_at);
CREATE UNIQUE INDEX models_one_active ON models (state) WHERE state = 'active';
CREATE UNIQUE INDEX models_one_staged ON models (state) WHERE state = 'staged';

-- Photos people chose to share with their feedback (opt-in), one per feedback item, and their review.
-- The bytes live in the PHOTOS R2 bucket under `{id}/{sha256}.jpg` (photos.ts objectKey). `label` is what training uses: set when a
-- maintainer approves (the person's answer) or relabels, null otherwise.
CREATE TABLE feedback_photos (
  id TEXT PRIMARY KEY,   -- the feedback item's id
  sha256 TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  uploaded_at TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  label TEXT CHECK (label IN ('cat', 'dog', 'neither')),
  reviewed_at TEXT,
  CHECK ((status = 'approved') = (label IS NOT NULL))
) WITHOUT ROWID;
-- The review list, whatever its filter, is read newest upload first (db.ts listReview).
CREATE INDEX feedback_photos_by_upload ON feedback_photos (uploaded_at);
