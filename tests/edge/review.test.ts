import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { FeedbackItem, ReviewList, ReviewPhoto } from '../../edge/src/contract';
import { api, auth, errorOf, feedbackItem, jpegBytes, postJson, putPhoto, storeFeedback } from './helpers';

/** Stores a feedback item with its photo, uploaded at `uploadedAt` (set in D1: uploads in one test may share a millisecond). */
async function shared(overrides: Partial<FeedbackItem>, uploadedAt: string): Promise<{ item: FeedbackItem; jpeg: Uint8Array }> {
  const item = feedbackItem(overrides);
  const jpeg = jpegBytes();
  await storeFeedback(item);
  expect((await putPhoto(item.id, jpeg)).status).toBe(201);
  await env.DB.prepare('UPDATE feedback_photos SET uploaded_at = ? WHERE id = ?').bind(uploadedAt, item.id).run();
  return { item, jpeg };
}

const list = async (query = '') => {
  const res = await api(`/api/review${query}`, { headers: auth() });
  expect(res.status).toBe(200);
  return ((await res.json()) as ReviewList).photos;
};
const act = (id: string, body: unknown, headers: Record<string, string> = auth()) => postJson(`/api/review/${id}`, body, headers);

describe('review of shared photos', () => {
  it('needs the admin token on every route: missing, wrong or another scheme is 401', async () => {
    const { item } = await shared({}, '2026-11-24T10:00:00.000Z');
    for (const headers of [{}, auth('wrong-token'), { authorization: 'Basic dGVzdA==' }]) {
      const requests = [
        api('/api/review', { headers }),
        api('/api/review?status=approved', { headers }),
        api(`/api/review/${item.id}/photo`, { headers }),
        act(item.id, { action: 'approve' }, headers),
        act(crypto.randomUUID(), { action: 'reject' }, headers)
      ];
      for (const res of await Promise.all(requests)) {
        expect(res.status).toBe(401);
        expect((await errorOf(res)).code).toBe('unauthorized');
      }
    }
    expect(await env.DB.prepare('SELECT status FROM feedback_photos').first('status')).toBe('pending');
  });

  it('lists photos with their feedback, newest upload first, filtered by status and time', async () => {
    const old = await shared({ predicted: 'dog', actual: 'cat', confidence: 0.97, modelVersion: '2.0.0' }, '2026-11-24T10:00:00.000Z');
    const mid = await shared({ predicted: 'neither', actual: 'neither' }, '2026-11-25T10:00:00.000Z');
    const recent = await shared({ predicted: 'cat', actual: 'dog' }, '2026-11-26T10:00:00.000Z');
    const all = await list();
    expect(all.map((p) => p.id)).toEqual([recent.item.id, mid.item.id, old.item.id]);
    expect(all[2]).toEqual({
      id: old.item.id,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      bytes: old.jpeg.length,
      uploadedAt: '2026-11-24T10:00:00.000Z',
      createdAt: old.item.createdAt,
      modelVersion: '2.0.0',
      predicted: 'dog',
      confidence: 0.97,
      actual: 'cat',
      status: 'pending',
      label: null,
      reviewedAt: null
    } satisfies ReviewPhoto);

    expect((await act(mid.item.id, { action: 'approve' })).status).toBe(200);
    expect((await act(recent.item.id, { action: 'reject' })).status).toBe(200);
    expect((await list('?status=pending')).map((p) => p.id)).toEqual([old.item.id]);
    expect((await list('?status=approved')).map((p) => p.id)).toEqual([mid.item.id]);
    expect((await list('?status=rejected')).map((p) => p.id)).toEqual([recent.item.id]);
    expect(await list('?status=all')).toHaveLength(3);

    // `since` is the upload time, or the review time when listing approved photos; any offset works.
    expect((await list('?since=2026-11-25T11:00:00%2B01:00')).map((p) => p.id)).toEqual([recent.item.id, mid.item.id]);
    expect((await list('?since=2026-11-25T10:00:00.001Z')).map((p) => p.id)).toEqual([recent.item.id]);
    const reviewedAt = (await list('?status=approved'))[0]!.reviewedAt!;
    expect(await list(`?status=approved&since=${encodeURIComponent(reviewedAt)}`)).toHaveLength(1);
    const later = new Date(Date.parse(reviewedAt) + 1).toISOString();
    expect(await list(`?status=approved&since=${encodeURIComponent(later)}`)).toEqual([]);
  });

  it('rejects a bad query with 400 naming the field', async () => {
    for (const [query, field] of [
      ['?status=maybe', 'status'],
      ['?since=yesterday', 'since'],
      ['?limit=10', 'limit']
    ]) {
      const res = await api(`/api/review${query}`, { headers: auth() });
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toMatchObject({ code: 'validation_failed', field });
    }
  });

  it('serves the stored bytes as a private, uncached JPEG', async () => {
    const { item, jpeg } = await shared({}, '2026-11-24T10:00:00.000Z');
    const res = await api(`/api/review/${item.id.toUpperCase()}/photo`, { headers: auth() });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(jpeg);

    const none = await api(`/api/review/${crypto.randomUUID()}/photo`, { headers: auth() });
    expect(none.status).toBe(404);
    expect((await errorOf(none)).code).toBe('not_found');
  });

  it("approve trains on the person's label, relabel on the maintainer's, reject on none", async () => {
    const { item } = await shared({ predicted: 'cat', actual: 'dog' }, '2026-11-24T10:00:00.000Z');
    const review = async (body: unknown) => {
      const res = await act(item.id, body);
      expect(res.status).toBe(200);
      return (await res.json()) as ReviewPhoto;
    };
    const approved = await review({ action: 'approve' });
    expect(approved).toMatchObject({ id: item.id, status: 'approved', label: 'dog', actual: 'dog' });
    expect(Date.parse(approved.reviewedAt!)).not.toBeNaN();
    expect(await review({ action: 'relabel', label: 'neither' })).toMatchObject({ status: 'approved', label: 'neither', actual: 'dog' });
    expect(await review({ action: 'reject' })).toMatchObject({ status: 'rejected', label: null });
    // A rejected photo can still be approved on second thoughts.
    expect(await review({ action: 'relabel', label: 'cat' })).toMatchObject({ status: 'approved', label: 'cat' });
    expect((await list())[0]).toMatchObject({ status: 'approved', label: 'cat' });
  });

  it('answers 404 for an id without a photo and 400 for a bad action, changing nothing', async () => {
    const { item } = await shared({}, '2026-11-24T10:00:00.000Z');
    const withoutPhoto = feedbackItem();
    await storeFeedback(withoutPhoto);
    for (const id of [crypto.randomUUID(), withoutPhoto.id]) {
      const res = await act(id, { action: 'approve' });
      expect(res.status).toBe(404);
      expect((await errorOf(res)).code).toBe('not_found');
    }
    for (const [body, field] of [
      [{ action: 'relabel' }, 'label'],
      [{ action: 'relabel', label: 'fox' }, 'label'],
      [{ action: 'approve', label: 'cat' }, 'label'],
      [{ action: 'delete' }, 'action']
    ] as const) {
      const res = await act(item.id, body);
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toMatchObject({ code: 'validation_failed', field });
    }
    const bad = await act('not-a-uuid', { action: 'approve' });
    expect(await errorOf(bad)).toMatchObject({ code: 'validation_failed', field: 'id' });
    expect((await list())[0]).toMatchObject({ status: 'pending', label: null, reviewedAt: null });
  });
});
