import { applyD1Migrations, env, reset } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

/** A database migrated only up to (and including) the named migration, as a deployed one may be. */
async function migratedUpTo(name: string) {
  await reset();
  const upTo = env.TEST_MIGRATIONS.findIndex((m) => m.name === name);
  expect(upTo).toBeGreaterThanOrEqual(0);
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS.slice(0, upTo + 1));
}

const insertFeedback = (id: string, predicted: string, actual: string, receivedAt = '2026-11-24T10:00:01Z') =>
  env.DB.prepare(
    `INSERT INTO feedback (id, model_version, predicted, confidence, actual, created_at, received_at) VALUES (?, '1.0.0', ?, 0.9, ?, '2026-11-24T10:00:00Z', ?)`
  )
    .bind(id, predicted, actual, receivedAt)
    .run();

const insertTelemetry = (id: string, latencyMs: number, receivedAt: string) =>
  env.DB.prepare(
    `INSERT INTO telemetry (id, model_version, backend, latency_ms, user_agent_class, received_at) VALUES (?, '1.0.0', 'wasm', ?, 'mobile', ?)`
  )
    .bind(id, latencyMs, receivedAt)
    .run();

const T1 = '2026-11-24T10:00:01Z';
const T2 = '2026-11-24T10:00:02Z';
const T3 = '2026-11-24T10:00:03Z';

describe('D1 migrations', () => {
  it('0002 keeps every feedback row and lets "neither" be the predicted class', async () => {
    await migratedUpTo('0001_init.sql');
    await insertFeedback('11111111-1111-4111-8111-111111111111', 'cat', 'neither');
    await insertFeedback('22222222-2222-4222-8222-222222222222', 'dog', 'dog');
    await expect(insertFeedback('33333333-3333-4333-8333-333333333333', 'neither', 'cat')).rejects.toThrow(/CHECK/);

    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    const { results } = await env.DB.prepare('SELECT id, predicted, actual FROM feedback ORDER BY id').all();
    expect(results).toEqual([
      { id: '11111111-1111-4111-8111-111111111111', predicted: 'cat', actual: 'neither' },
      { id: '22222222-2222-4222-8222-222222222222', predicted: 'dog', actual: 'dog' }
    ]);
    await insertFeedback('33333333-3333-4333-8333-333333333333', 'neither', 'cat');
    await expect(insertFeedback('44444444-4444-4444-8444-444444444444', 'unsure', 'cat')).rejects.toThrow(/CHECK/);
  });

  it('0003 merges ids that differ only in case into their first-received row, in lower case', async () => {
    await migratedUpTo('0002_feedback_predicted_neither.sql');
    const a = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
    const b = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
    const c = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
    await insertFeedback(a, 'cat', 'cat', T2);
    await insertFeedback(a.toUpperCase(), 'dog', 'dog', T1); // the same id, received first
    await insertFeedback(b.toUpperCase(), 'dog', 'cat', T1); // only in upper case
    await insertFeedback(`C${c.slice(1)}`.toUpperCase(), 'neither', 'neither', T3);
    await insertFeedback(`C${c.slice(1)}`, 'cat', 'neither', T2); // two mixed-case copies, no lower-case one
    await insertFeedback('dddddddd-dddd-4ddd-8ddd-dddddddddddd', 'cat', 'dog', T1); // untouched
    await insertTelemetry(a, 10, T2);
    await insertTelemetry(a.toUpperCase(), 20, T1);

    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    const { results } = await env.DB.prepare('SELECT id, predicted, actual FROM feedback ORDER BY id').all();
    expect(results).toEqual([
      { id: a, predicted: 'dog', actual: 'dog' },
      { id: b, predicted: 'dog', actual: 'cat' },
      { id: c, predicted: 'cat', actual: 'neither' },
      { id: 'dddddddd-dddd-4ddd-8ddd-dddddddddddd', predicted: 'cat', actual: 'dog' }
    ]);
    const telemetry = await env.DB.prepare('SELECT id, latency_ms FROM telemetry').all();
    expect(telemetry.results).toEqual([{ id: a, latency_ms: 20 }]);
  });

  it('0004 makes the newest published model the active one, as "latest" was before', async () => {
    await migratedUpTo('0003_lowercase_ids.sql');
    const insertModel = (version: string, at: string) =>
      env.DB.prepare("INSERT INTO models (version, published_at, files, metrics) VALUES (?, ?, '[]', NULL)").bind(version, at).run();
    await insertModel('99.0.6', T1);
    await insertModel('0.0.1', T2);
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    const { results } = await env.DB.prepare('SELECT version, state FROM models ORDER BY version').all();
    expect(results).toEqual([
      { version: '0.0.1', state: 'active' },
      { version: '99.0.6', state: 'inactive' }
    ]);
    await expect(env.DB.prepare("UPDATE models SET state = 'active' WHERE version = '99.0.6'").run()).rejects.toThrow(/UNIQUE/);
  });

  it('0005 keeps every model and its state, adds "staged" with a percent (one at most), and a photos table', async () => {
    await migratedUpTo('0004_model_lifecycle.sql');
    const files = JSON.stringify([{ path: 'model.json', sha256: 'ab'.repeat(32), bytes: 10 }]);
    const insertModel = (version: string, at: string, state: string) =>
      env.DB.prepare('INSERT INTO models (version, published_at, files, metrics, state) VALUES (?, ?, ?, ?, ?)')
        .bind(version, at, files, '{"accuracy":0.9}', state)
        .run();
    await insertModel('1.0.0', T1, 'withdrawn');
    await insertModel('1.1.0', T2, 'active');
    await insertModel('1.2.0', T3, 'inactive');
    await expect(insertModel('1.3.0', T3, 'staged')).rejects.toThrow(/CHECK/);
    await insertFeedback('11111111-1111-4111-8111-111111111111', 'cat', 'dog');

    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    const { results } = await env.DB.prepare('SELECT * FROM models ORDER BY version').all();
    expect(results).toEqual([
      { version: '1.0.0', published_at: T1, files, metrics: '{"accuracy":0.9}', state: 'withdrawn', percent: null },
      { version: '1.1.0', published_at: T2, files, metrics: '{"accuracy":0.9}', state: 'active', percent: null },
      { version: '1.2.0', published_at: T3, files, metrics: '{"accuracy":0.9}', state: 'inactive', percent: null }
    ]);
    // Still one active at most; now also one staged at most, and only a staged version has a percent (1-99).
    const set = (version: string, state: string, percent: number | null) =>
      env.DB.prepare('UPDATE models SET state = ?, percent = ? WHERE version = ?').bind(state, percent, version).run();
    await expect(set('1.2.0', 'active', null)).rejects.toThrow(/UNIQUE/);
    await expect(set('1.2.0', 'staged', null)).rejects.toThrow(/CHECK/);
    await expect(set('1.2.0', 'staged', 100)).rejects.toThrow(/CHECK/);
    await expect(set('1.1.0', 'active', 50)).rejects.toThrow(/CHECK/);
    await set('1.2.0', 'staged', 50);
    await expect(set('1.0.0', 'staged', 10)).rejects.toThrow(/UNIQUE/);

    const photo = (status: string, label: string | null) =>
      env.DB.prepare(
        "INSERT INTO feedback_photos (id, sha256, bytes, uploaded_at, status, label) VALUES ('11111111-1111-4111-8111-111111111111', 's', 1, ?, ?, ?)"
      )
        .bind(T1, status, label)
        .run();
    await expect(photo('approved', null)).rejects.toThrow(/CHECK/);
    await expect(photo('pending', 'cat')).rejects.toThrow(/CHECK/);
    await photo('approved', 'dog');
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM feedback').first('n')).toBe(1);
  });
});
