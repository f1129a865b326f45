/**
 * The install's ids: one for staged rollouts (sent only as GET /api/models/latest?install=), one
 * for the rate limit (named in outbox sends); both made once and kept. And the API client's requests
 * that carry them, and the photo upload's.
 */
import 'fake-indexeddb/auto';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApi } from '../../web/src/lib/api/client.ts';
import { openPawlensDB, rolloutId } from '../../web/src/lib/db.ts';
import { installId } from '../../web/src/lib/outbox/outbox.ts';
import { bundledSchemas as schemas } from '../../web/src/lib/api/bundled-schemas.ts';

/** The client over a recording fetch that answers every request with `body`. */
function recordingApi(body: unknown, status = 200) {
  const requests: Request[] = [];
  const api = createApi(schemas, 'http://pawlens.test', async (input, init) => {
    requests.push(new Request(input, init));
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  });
  return { api, requests };
}

const latest = { version: '2026.11.24-b', files: [{ path: 'model.json', sha256: 'a'.repeat(64), bytes: 10 }], metrics: null, publishedAt: '2026-11-24T00:00:00Z' };

describe('install ids', () => {
  it('makes a random rollout id once and keeps it, apart from the rate-limit id', async () => {
    const db = await openPawlensDB(`ids-${randomUUID()}`);
    const [a, b] = await Promise.all([rolloutId(db), rolloutId(db)]);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b).toBe(a);
    expect(await rolloutId(db)).toBe(a);
    expect(await installId(db)).not.toBe(a);
    const other = await openPawlensDB(`ids-${randomUUID()}`);
    expect(await rolloutId(other)).not.toBe(a);
  });

  it('asks for the latest model with ?install=, and without it when no id is given', async () => {
    const { api, requests } = recordingApi(latest);
    const id = randomUUID();
    expect((await api.latestModel(id))?.version).toBe('2026.11.24-b');
    await api.latestModel();
    expect(requests.map((r) => r.url)).toEqual([`http://pawlens.test/api/models/latest?install=${id}`, 'http://pawlens.test/api/models/latest']);
  });

  it('uploads a photo as image/jpeg with PUT, naming the install for the rate limit only', async () => {
    const id = randomUUID();
    const { api, requests } = recordingApi({ id, sha256: 'b'.repeat(64), bytes: 4, stored: true });
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]).buffer;
    expect(await api.uploadPhoto(id, jpeg, 'rate-limit-id')).toEqual({ id, sha256: 'b'.repeat(64), bytes: 4, stored: true });
    const [req] = requests;
    expect(req!.method).toBe('PUT');
    expect(req!.url).toBe(`http://pawlens.test/api/feedback/${id}/photo`);
    expect(req!.headers.get('content-type')).toBe('image/jpeg');
    expect(req!.headers.get('x-install-id')).toBe('rate-limit-id');
    expect(new Uint8Array(await req!.arrayBuffer())).toEqual(new Uint8Array(jpeg));
  });

  it('sends the admin token with review requests and reads a refusal as an ApiError', async () => {
    const { api, requests } = recordingApi({ error: { code: 'unauthorized', message: 'bad token' } }, 401);
    await expect(api.reviewList('tok')).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    await expect(api.review('tok', randomUUID(), { action: 'approve' })).rejects.toMatchObject({ status: 401 });
    expect(requests.map((r) => r.headers.get('authorization'))).toEqual(['Bearer tok', 'Bearer tok']);
    expect(await requests[1]!.json()).toEqual({ action: 'approve' });
  });
});
