-- Ids are UUIDs compared as text, so one id in upper and in lower case was stored twice. The worker
-- now lowercases ids before storing; here the existing case-duplicates merge into their first-received
-- row and every id becomes lower case. Only rows whose id is not all lower case can have a twin.
DELETE FROM feedback WHERE id IN (
  SELECT id FROM (
    SELECT id, ROW_NUMBER() OVER (PARTITION BY lower(id) ORDER BY received_at, id) AS rn
    FROM feedback WHERE lower(id) IN (SELECT lower(id) FROM feedback WHERE id <> lower(id))
  ) WHERE rn > 1
);
UPDATE feedback SET id = lower(id) WHERE id <> lower(id);

DELETE FROM telemetry WHERE id IN (
  SELECT id FROM (
    SELECT id, ROW_NUMBER() OVER (PARTITION BY lower(id) ORDER BY received_at, id) AS rn
    FROM telemetry WHERE lower(id) IN (SELECT lower(id) FROM telemetry WHERE id <> lower(id))
  ) WHERE rn > 1
);
UPDATE telemetry SET id = lower(id) WHERE id <> lower(id);
