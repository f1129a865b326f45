import { describe, expect, it } from 'vitest';
import type { LatestModel, LifecycleResult, ModelList, Performance } from '../../edge/src/contract';
import { installBucket } from '../../edge/src/install-bucket';
import { api, auth, errorOf, feedbackItem, postJson, publish, storeFeedback } from './helpers';

/** A random install id whose bucket satisfies `wanted` (about half of all ids do for the tests' percents). */
async function installWhere(wanted: (bucket: number) => boolean): Promise<string> {
  for (;;) {
    const id = crypto.randomUUID();
    if (wanted(await installBucket(id))) return id;
  }
}

const latestFor = async (install?: string) => {
  const res = await api(`/api/models/latest${install === undefined ? '' : `?install=${install}`}`);
  return res.status === 404 ? null : ((await res.json()) as LatestModel).version;
};
const states = async () =>
  ((await (await api('/api/models', { headers: auth() })).json()) as ModelList).models.map((m) => [m.version, m.state, m.percent]);

const activate = (version: string, body?: unknown, headers: Record<string, string> = auth()) =>
  body === undefined
    ? api(`/api/models/${version}/activate`, { method: 'POST', headers })
    : postJson(`/api/models/${version}/activate`, body, headers);
const lifecycle = async (res: Response | Promise<Response>) => {
  const r = await res;
  expect(r.status).toBe(200);
  return (await r.json()) as LifecycleResult;
};

describe('staged rollout', () => {
  it('serves a version staged at 50 % to installs in buckets 0-49, the active one to the rest', async () => {
    await publish('1.0.0', true);
    await publish('2.0.0');
    expect(await lifecycle(activate('2.0.0', { percent: 50 }))).toEqual({ version: '2.0.0', state: 'staged', percent: 50 });
    expect(await states()).toEqual([
      ['2.0.0', 'staged', 50],
      ['1.0.0', 'active', 50]
    ]);
    const low = await installWhere((b) => b < 50);
    const high = await installWhere((b) => b >= 50);
    expect(await latestFor(low)).toBe('2.0.0');
    expect(await latestFor(low.toUpperCase())).toBe('2.0.0');
    expect(await latestFor(high)).toBe('1.0.0');
    // Without an install id: the active version, as before staged rollouts.
    expect(await latestFor()).toBe('1.0.0');
  });

  it('puts exactly the installs below the percent on the staged version', async () => {
    await publish('1.0.0', true);
    await publish('2.0.0');
    await lifecycle(activate('2.0.0', { percent: 30 }));
    const ids = Array.from({ length: 40 }, () => crypto.randomUUID());
    for (const id of ids) expect(await latestFor(id)).toBe((await installBucket(id)) < 30 ? '2.0.0' : '1.0.0');
  });

  it('replaces a staged version with a newly staged one, and changes its percent when staged again', async () => {
    await publish('1.0.0', true);
    await publish('2.0.0');
    await publish('3.0.0');
    await lifecycle(activate('2.0.0', { percent: 10 }));
    expect(await lifecycle(activate('3.0.0', { percent: 20 }))).toEqual({ version: '3.0.0', state: 'staged', percent: 20 });
    expect(await lifecycle(activate('3.0.0', { percent: 60 }))).toEqual({ version: '3.0.0', state: 'staged', percent: 60 });
    expect(await states()).toEqual([
      ['3.0.0', 'staged', 60],
      ['2.0.0', 'inactive', 0],
      ['1.0.0', 'active', 40]
    ]);
  });

  it('stages with nothing active: installs outside the share keep the model they shipped with (404)', async () => {
    await publish('2.0.0');
    await lifecycle(activate('2.0.0', { percent: 50 }));
    expect(await latestFor(await installWhere((b) => b < 50))).toBe('2.0.0');
    expect(await latestFor(await installWhere((b) => b >= 50))).toBeNull();
    expect(await latestFor()).toBeNull();
  });

  it('promote makes the staged version active for everyone; the previous active one becomes inactive', async () => {
    await publish('1.0.0', true);
    await publish('2.0.0');
    await lifecycle(activate('2.0.0', { percent: 50 }));
    const res = await postJson('/api/models/promote', {}, auth());
    expect(await lifecycle(res)).toEqual({ version: '2.0.0', state: 'active', percent: 100 });
    expect(await states()).toEqual([
      ['2.0.0', 'active', 100],
      ['1.0.0', 'inactive', 0]
    ]);
    for (const install of [await installWhere((b) => b < 50), await installWhere((b) => b >= 50), undefined]) {
      expect(await latestFor(install)).toBe('2.0.0');
    }
    const again = await postJson('/api/models/promote', {}, auth());
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe('conflict');
  });

  it('rollback withdraws the staged version: every install returns to the active one', async () => {
    await publish('1.0.0', true);
    await publish('2.0.0');
    await lifecycle(activate('2.0.0', { percent: 50 }));
    const low = await installWhere((b) => b < 50);
    expect(await latestFor(low)).toBe('2.0.0');
    expect(await lifecycle(postJson('/api/models/rollback', {}, auth()))).toEqual({ version: '2.0.0', state: 'withdrawn', percent: 0 });
    expect(await latestFor(low)).toBe('1.0.0');
    expect(await states()).toEqual([
      ['2.0.0', 'withdrawn', 0],
      ['1.0.0', 'active', 100]
    ]);
    const again = await postJson('/api/models/rollback', {}, auth());
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe('conflict');
  });

  it('activate without a body or at 100 % serves everyone, and ends a staged rollout of another version', async () => {
    await publish('1.0.0', true);
    await publish('2.0.0');
    await publish('3.0.0');
    await lifecycle(activate('2.0.0', { percent: 50 }));
    expect(await lifecycle(activate('3.0.0'))).toEqual({ version: '3.0.0', state: 'active', percent: 100 });
    expect(await states()).toEqual([
      ['3.0.0', 'active', 100],
      ['2.0.0', 'inactive', 0],
      ['1.0.0', 'inactive', 0]
    ]);
    await lifecycle(activate('2.0.0', { percent: 50 }));
    expect(await lifecycle(activate('2.0.0', { percent: 100 }))).toEqual({ version: '2.0.0', state: 'active', percent: 100 });
    expect(await latestFor(await installWhere((b) => b >= 50))).toBe('2.0.0');
    // Saying JSON but sending no body is no body: everyone.
    await lifecycle(activate('1.0.0', { percent: 50 }));
    const empty = api('/api/models/1.0.0/activate', { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' } });
    expect(await lifecycle(empty)).toEqual({ version: '1.0.0', state: 'active', percent: 100 });
  });

  it('refuses to stage the active version (409) and keeps withdraw working on a staged one', async () => {
    await publish('1.0.0', true);
    await publish('2.0.0');
    const res = await activate('1.0.0', { percent: 50 });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe('conflict');
    expect(await states()).toEqual([
      ['2.0.0', 'inactive', 0],
      ['1.0.0', 'active', 100]
    ]);
    await lifecycle(activate('2.0.0', { percent: 50 }));
    expect(await lifecycle(postJson('/api/models/2.0.0/withdraw', {}, auth()))).toEqual({ version: '2.0.0', state: 'withdrawn', percent: 0 });
    expect(await latestFor(await installWhere((b) => b < 50))).toBe('1.0.0');
  });

  it('validates the activate body and the install id', async () => {
    await publish('1.0.0');
    for (const [body, field] of [
      [{ percent: 0 }, 'percent'],
      [{ percent: 101 }, 'percent'],
      [{ percent: 12.5 }, 'percent'],
      [{ percent: 50, everyone: true }, 'everyone']
    ] as const) {
      const res = await activate('1.0.0', body);
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toMatchObject({ code: 'validation_failed', field });
    }
    // A body sent as anything but JSON is refused, not read as "no percent" (which would serve everyone).
    const form = await api('/api/models/1.0.0/activate', { method: 'POST', headers: auth(), body: 'percent=10' });
    expect(form.status).toBe(415);
    expect(await states()).toEqual([['1.0.0', 'inactive', 0]]);
    for (const [query, field] of [
      ['?install=not-a-uuid', 'install'],
      [`?install=${crypto.randomUUID()}&bucket=3`, 'bucket']
    ]) {
      const res = await api(`/api/models/latest${query}`);
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toMatchObject({ code: 'validation_failed', field });
    }
    expect((await activate('9.9.9', { percent: 50 })).status).toBe(404);
  });

  it('needs the admin token to stage, promote and roll back: 401, nothing changes', async () => {
    await publish('1.0.0', true);
    await publish('2.0.0');
    await lifecycle(activate('2.0.0', { percent: 50 }));
    for (const headers of [{}, auth('wrong-token')]) {
      for (const res of [
        await activate('1.0.0', { percent: 10 }, headers),
        await activate('1.0.0', undefined, headers),
        await postJson('/api/models/promote', {}, headers),
        await postJson('/api/models/rollback', {}, headers)
      ]) {
        expect(res.status).toBe(401);
        expect((await errorOf(res)).code).toBe('unauthorized');
      }
    }
    expect(await states()).toEqual([
      ['2.0.0', 'staged', 50],
      ['1.0.0', 'active', 50]
    ]);
  });

  it('keeps promote and rollback apart from model files: GET on them is 405, not a file lookup', async () => {
    for (const path of ['/api/models/promote', '/api/models/rollback']) {
      const res = await api(path);
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });

  it('/api/performance shows each version served share side by side, with 95 % intervals', async () => {
    await publish('1.0.0', true);
    await publish('2.0.0');
    await publish('3.0.0');
    await lifecycle(activate('2.0.0', { percent: 25 }));
    await storeFeedback(
      ...Array.from({ length: 8 }, () => feedbackItem({ modelVersion: '1.0.0' })),
      ...Array.from({ length: 2 }, () => feedbackItem({ modelVersion: '1.0.0', predicted: 'dog' })),
      feedbackItem({ modelVersion: '2.0.0' }),
      feedbackItem({ modelVersion: '3.0.0' })
    );
    const perf = (await (await api('/api/performance')).json()) as Performance;
    const byVersion = Object.fromEntries(perf.versions.map((v) => [v.modelVersion, v]));
    expect(byVersion['1.0.0']).toMatchObject({ servedPercent: 75, feedbackCount: 10, accuracy: 0.8 });
    expect(byVersion['1.0.0']!.accuracyInterval!.low).toBeCloseTo(0.4902, 4);
    expect(byVersion['1.0.0']!.accuracyInterval!.high).toBeCloseTo(0.9433, 4);
    expect(byVersion['1.0.0']!.petAccuracyInterval).toEqual(byVersion['1.0.0']!.accuracyInterval);
    expect(byVersion['2.0.0']).toMatchObject({ servedPercent: 25, feedbackCount: 1, accuracy: 1 });
    expect(byVersion['3.0.0']).toMatchObject({ servedPercent: 0 });
  });
});
