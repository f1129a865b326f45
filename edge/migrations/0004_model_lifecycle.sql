-- "latest" becomes the version an admin made active, not the last one published. At most one version
-- is active; a withdrawn one is never offered to clients. Until now the newest publish was latest, so
-- that version starts out active and nothing changes for clients at deploy time.
ALTER TABLE models ADD COLUMN state TEXT NOT NULL DEFAULT 'inactive' CHECK (state IN ('active', 'inactive', 'withdrawn'));
CREATE UNIQUE INDEX models_one_active ON models (state) WHERE state = 'active';
UPDATE models SET state = 'active'
  WHERE version = (SELECT version FROM models ORDER BY published_at DESC, version DESC LIMIT 1);
