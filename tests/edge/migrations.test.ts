import { applyD1Migrations, env, reset } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

/** A database migrated only up to (and including) the named migration, as a deployed one may be. */
async function migratedUpTo(name: string) {
  await reset();
  const upTo = env.TEST_MIGRATIONS.findIndex((m) => m.name === name);
  expect(upTo).toBeGreaterThanOrEqual(0);
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS.slice(0, upTo + 1));
}

const insertFeedback = (id: string, predicted: string, actual: string) =>
  env.DB.prepare(
    `INSERT INTO feedback (id, model_version, predicted, confidence, actual, created_at, received_at) VALUES (?, '1.0.0', ?, 0.9, ?, '2026-11-24T10:00:00Z', '2026-11-24T10:00:01Z')`
  )
    .bind(id, predicted, actual)
    .run();

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
});
