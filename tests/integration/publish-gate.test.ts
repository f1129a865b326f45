/**
 * `npm run publish`'s gate against a real local server (wrangler dev, temp D1/R2): the candidate and
 * the active model (or, with none active, the shipped model/) are evaluated on the same small test set
 * plus the feedback photos held out for testing. A deliberately worse candidate (the shipped model
 * with its cat and dog outputs swapped) is refused; the same model as a new version passes; --force
 * publishes the worse one and says so in its metadata.json.
 */
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelMetadata, PublishGate } from '../../edge/src/contract.ts';
import { ROOT, applyMigrations, startDevServer, type DevServer } from '../../scripts/dev-server.ts';
import { FIGURES } from '../../training/src/gate.ts';
import { readMetadata } from '../../training/src/metadata.ts';
import { publishModel } from '../../training/src/publish.ts';
import { runScript } from '../cli-run.ts';
import { writeRenamedModel, writeSwappedModel } from '../e2e/two-class-model.ts';
import { DATASETS, haveShared } from '../shared-data.ts';

const TOKEN = 'gate-admin-token-0123456789';
const SHIPPED = join(ROOT, 'model');
const SMOKE = join(DATASETS, 'smoke');
const NOT_PETS = join(DATASETS, 'not-pets');
const CATSDOGS = join(DATASETS, 'catsdogs');

describe.skipIf(!haveShared(SMOKE, NOT_PETS, CATSDOGS))('the publish gate (real wrangler dev)', () => {
  const work = mkdtempSync(join(tmpdir(), 'pawlens-gate-'));
  const state = join(work, 'state');
  const shipped = readMetadata(SHIPPED);
  let server: DevServer;

  /** A model folder: `src` under a new version. */
  const asVersion = (src: string, version: string) => {
    const dir = join(work, version);
    writeRenamedModel(src, dir, version);
    return dir;
  };

  const publish = (model: string, ...flags: string[]) =>
    runScript(
      'training/src/cli.ts',
      'publish',
      '--url', server.url,
      '--model', model,
      '--test-data', join(work, 'test-pets'),
      '--test-neither', join(work, 'test-not-pets'),
      '--feedback', join(work, 'feedback'),
      '--cache', join(work, 'cache'),
      '--workers', '1',
      ...flags
    );

  const uploadedGate = async (version: string) => {
    const res = await fetch(`${server.url}/api/models/${version}/metadata.json`);
    expect(res.status).toBe(200);
    const raw = (await res.json()) as { gate?: unknown };
    ModelMetadata.parse(raw);
    return PublishGate.parse(raw.gate);
  };

  beforeAll(async () => {
    process.env.ADMIN_TOKEN = TOKEN;
    // A small test set: 10 cat and 10 dog photos, 6 photos with no cat or dog, and 10 feedback dogs (one held out for testing).
    for (const label of ['cat', 'dog']) cpSync(join(SMOKE, label), join(work, 'test-pets', label), { recursive: true });
    mkdirSync(join(work, 'test-not-pets'));
    for (const category of ['food', 'vehicles_cars', 'indoor_rooms']) {
      for (const f of readdirSync(join(NOT_PETS, 'test', category)).sort().slice(0, 2)) copyFileSync(join(NOT_PETS, 'test', category, f), join(work, 'test-not-pets', `${category}-${f}`));
    }
    mkdirSync(join(work, 'feedback', 'dog'), { recursive: true });
    readdirSync(join(CATSDOGS, 'val', 'dog'))
      .sort()
      .slice(0, 10)
      .forEach((f, i) => copyFileSync(join(CATSDOGS, 'val', 'dog', f), join(work, 'feedback', 'dog', `00000000-0000-4000-8000-00000000000${i}.jpg`)));
    await writeSwappedModel(SHIPPED, join(work, 'swapped'), `${shipped.version}-swapped`);
    applyMigrations(state);
    // Only the API is used: no app build needed.
    mkdirSync(join(work, 'assets'));
    server = await startDevServer({ persistTo: state, assets: join(work, 'assets'), vars: { ADMIN_TOKEN: TOKEN } });
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('with no model active, compares with the shipped model/ and passes the same model as a new version', async () => {
    const version = `${shipped.version}-same`;
    const r = await publish(asVersion(SHIPPED, version));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`against ${shipped.version} (shipped model/, none active)`);
    expect(r.stdout).toMatch(/cat\/dog accuracy\s+20\s/);
    expect(r.stdout).toMatch(/non-pets answered neither or unsure\s+6\s/);
    expect(r.stdout).toMatch(/feedback test photos right\s+1\s/);
    expect(r.stdout).toContain(`published ${version} (inactive)`);
    const gate = await uploadedGate(version);
    expect(gate).toMatchObject({ against: shipped.version, passed: true, forced: false });
    expect(gate.figures.map((f) => [f.name, f.n])).toEqual([
      [FIGURES.petAccuracy, 20],
      [FIGURES.nonPetRejected, 6],
      [FIGURES.feedback, 1]
    ]);
    for (const f of gate.figures) expect(f.candidate).toBe(f.active);
  });

  it('refuses a worse candidate with a table of both models, publishing nothing; --force publishes it and records that', async () => {
    await publishModel({ url: server.url, modelDir: SHIPPED, token: TOKEN, activate: true });
    const worse = join(work, 'swapped');
    const version = readMetadata(worse).version;
    const refused = await publish(worse);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain(`against ${shipped.version} (active)`);
    expect(refused.stdout).toMatch(new RegExp(`figure\\s+photos\\s+candidate ${version.replace(/\./g, '\\.')}\\s+active ${shipped.version.replace(/\./g, '\\.')}`));
    // stderr also carries the progress lines; the error is the last line.
    expect(refused.stderr.trim().split('\n').pop()).toMatch(/^error: refused: cat\/dog accuracy(, feedback test photos right)? dropped by more than 0\.3 points \(--force publishes anyway\)$/);
    expect((await fetch(`${server.url}/api/models/${version}/metadata.json`)).status).toBe(404);

    const forced = await publish(worse, '--force');
    expect(forced.status, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('gate failed, publishing anyway (--force, recorded)');
    const gate = await uploadedGate(version);
    expect(gate).toMatchObject({ against: shipped.version, passed: false, forced: true });
    const pets = gate.figures.find((f) => f.name === FIGURES.petAccuracy)!;
    expect(pets.active! - pets.candidate!).toBeGreaterThan(0.5);
  });

  it('a missing --feedback folder or a bad flag is one line', async () => {
    const r = await runScript('training/src/cli.ts', 'publish', '--url', server.url, '--feedback', join(work, 'nope'));
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('is not a folder');
  });
});
