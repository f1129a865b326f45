/**
 * Feedback photos in the outbox (real IndexedDB semantics through fake-indexeddb): a photo's copy
 * waits with its answer, is uploaded only once the server has accepted the answer, is retried like
 * the rest, is kept once through changed answers, and is deleted when photo sharing is turned off.
 */
import 'fake-indexeddb/auto';
import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BatchResult, FeedbackItem, PhotoUploadResult } from '../../edge/src/contract.ts';
import { ApiError } from '../../web/src/lib/api/client.ts';
import { openPawlensDB, type PhotoCopy } from '../../web/src/lib/db.ts';
import { Outbox, type OutboxOptions } from '../../web/src/lib/outbox/outbox.ts';
import { bundledSchemas as schemas } from '../../web/src/lib/api/bundled-schemas.ts';

const answer = (actual: FeedbackItem['actual'] = 'cat'): FeedbackItem => ({
  id: randomUUID(),
  modelVersion: '2026.11.24-test',
  predicted: 'dog',
  confidence: 0.9,
  actual,
  createdAt: new Date().toISOString()
});

function copy(text: string): PhotoCopy {
  const bytes = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(text)]);
  const jpeg = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return { jpeg, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * A server like the edge worker's: POST /api/feedback stores the first answer per id; PUT
 * /api/feedback/:id/photo takes a photo only for a stored answer (404 otherwise), once per id.
 */
function photoServer() {
  const answers = new Map<string, string>();
  const photos = new Map<string, string>();
  const log: string[] = [];
  /** What each request in turn meets, feedback batches and uploads alike ('ok' once the plan runs out). */
  const plan: ('ok' | 'fail' | 'too-large')[] = [];
  const send: OutboxOptions['send'] = async (_kind, items) => {
    log.push(`POST ${items.map((i) => i.id).join(',')}`);
    if ((plan.shift() ?? 'ok') === 'fail') throw new TypeError('Failed to fetch');
    const res: BatchResult = { accepted: [], duplicates: [] };
    for (const i of items as FeedbackItem[]) {
      if (answers.has(i.id)) res.duplicates.push(i.id);
      else (answers.set(i.id, i.actual), res.accepted.push(i.id));
    }
    return res;
  };
  const upload = async (id: string, jpeg: ArrayBuffer): Promise<PhotoUploadResult> => {
    log.push(`PUT ${id}`);
    const step = plan.shift() ?? 'ok';
    if (step === 'fail') throw new TypeError('Failed to fetch');
    if (step === 'too-large') throw new ApiError(413, 'payload_too_large', 'the photo is too large');
    if (!answers.has(id)) throw new ApiError(404, 'not_found', `no feedback ${id}`);
    const sha256 = createHash('sha256').update(Buffer.from(jpeg)).digest('hex');
    const stored = !photos.has(id);
    if (stored) photos.set(id, sha256);
    return { id, sha256, bytes: jpeg.byteLength, stored };
  };
  return { answers, photos, log, plan, send, upload };
}

async function setup(opts: Partial<OutboxOptions> = {}) {
  const db = await openPawlensDB(`outbox-photos-${randomUUID()}`);
  const server = photoServer();
  const setting = { sharing: true, photos: true };
  const outbox = new Outbox({
    db,
    schemas,
    send: server.send,
    upload: server.upload,
    enabled: async () => setting.sharing,
    photos: async () => setting.photos,
    ...opts
  });
  return { db, server, outbox, setting };
}

describe('feedback photos in the outbox', () => {
  it('uploads a photo only after the server accepted its answer, then forgets it', async () => {
    const { outbox, server } = await setup();
    const item = answer();
    const photo = copy('one');
    await outbox.add('feedback', item, photo);
    expect(await outbox.counts()).toEqual({ feedback: 1, telemetry: 0, photos: 0 });
    server.plan.push('fail');
    expect((await outbox.flush()).ok).toBe(false);
    // The answer did not go, so neither did its photo.
    expect(server.log).toEqual([`POST ${item.id}`]);
    expect(await outbox.flush()).toEqual({ sent: 2, ok: true });
    expect(server.log).toEqual([`POST ${item.id}`, `POST ${item.id}`, `PUT ${item.id}`]);
    expect(server.photos.get(item.id)).toBe(photo.sha256);
    expect(await outbox.counts()).toEqual({ feedback: 0, telemetry: 0, photos: 0 });
  });

  it('sends an answer without a photo as before, and uploads nothing', async () => {
    const { outbox, server } = await setup();
    const item = answer();
    await outbox.add('feedback', item);
    expect(await outbox.flush()).toEqual({ sent: 1, ok: true });
    expect(server.log).toEqual([`POST ${item.id}`]);
  });

  it('keeps one photo through a changed answer and uploads it once, with the final answer', async () => {
    const { outbox, server } = await setup();
    const item = answer('dog');
    const photo = copy('changed');
    await outbox.add('feedback', item, photo);
    expect(await outbox.change('feedback', { ...item, actual: 'neither' })).toBe('changed');
    expect(await outbox.change('feedback', { ...item, actual: 'cat' })).toBe('changed');
    await outbox.flush();
    expect(server.answers.get(item.id)).toBe('cat');
    expect(server.log.filter((l) => l.startsWith('PUT'))).toEqual([`PUT ${item.id}`]);
    expect(server.photos.get(item.id)).toBe(photo.sha256);
  });

  it('retries a failed upload like the rest, without sending the answer again; the answer counts as sent meanwhile', async () => {
    const { outbox, server } = await setup();
    const item = answer();
    await outbox.add('feedback', item, copy('retry'));
    server.plan.push('ok', 'fail');
    const first = await outbox.flush();
    expect(first.ok).toBe(false);
    expect(outbox.consecutiveFailures).toBe(1);
    expect(await outbox.counts()).toEqual({ feedback: 0, telemetry: 0, photos: 1 });
    expect(await outbox.has(item.id)).toBe(false);
    expect(await outbox.change('feedback', { ...item, actual: 'dog' })).toBe('sent');
    expect(await outbox.retryNow()).toEqual({ sent: 1, ok: true });
    expect(server.log).toEqual([`POST ${item.id}`, `PUT ${item.id}`, `PUT ${item.id}`]);
    expect(server.photos.has(item.id)).toBe(true);
    expect(await outbox.counts()).toEqual({ feedback: 0, telemetry: 0, photos: 0 });
  });

  it('retries by timer after a failed upload', async () => {
    const { outbox, server } = await setup({ retryTimer: true, baseDelayMs: 20, maxDelayMs: 40, random: () => 1 });
    const item = answer();
    await outbox.add('feedback', item, copy('timer'));
    server.plan.push('ok', 'fail');
    await outbox.flush();
    await expect.poll(() => server.photos.has(item.id), { timeout: 2000, interval: 10 }).toBe(true);
    outbox.stop();
  });

  it('drops a photo the server refuses for good (413) instead of retrying it forever', async () => {
    const { outbox, server } = await setup();
    const item = answer();
    await outbox.add('feedback', item, copy('big'));
    server.plan.push('ok', 'too-large');
    expect(await outbox.flush()).toMatchObject({ ok: true });
    expect(await outbox.counts()).toEqual({ feedback: 0, telemetry: 0, photos: 0 });
    expect(server.photos.size).toBe(0);
  });

  it('turning photo sharing off deletes every photo still waiting, keeps the answers, and uploads nothing after', async () => {
    const { outbox, server, setting, db } = await setup();
    const sent = answer();
    const waiting = answer('dog');
    // One answer went (its photo's upload failed), the other has not gone yet.
    await outbox.add('feedback', sent, copy('sent'));
    server.plan.push('ok', 'fail');
    await outbox.flush();
    setting.sharing = false;
    await outbox.add('feedback', waiting, copy('waiting'));
    expect(await outbox.counts()).toEqual({ feedback: 1, telemetry: 0, photos: 1 });

    setting.photos = false;
    await outbox.dropPhotos();
    expect(await outbox.counts()).toEqual({ feedback: 1, telemetry: 0, photos: 0 });
    const left = await db.getAll('outbox');
    expect(left.map((e) => e.id)).toEqual([waiting.id]);
    expect(left.some((e) => 'photo' in e)).toBe(false);

    setting.sharing = true;
    expect(await outbox.flush()).toEqual({ sent: 1, ok: true });
    expect(server.answers.get(waiting.id)).toBe('dog');
    expect(server.log.filter((l) => l.startsWith('PUT'))).toEqual([`PUT ${sent.id}`]);
    expect(server.photos.size).toBe(0);
  });

  it('uploads no photo while photo sharing is off, even one already waiting', async () => {
    const { outbox, server, setting } = await setup();
    const item = answer();
    await outbox.add('feedback', item, copy('off'));
    setting.photos = false;
    expect(await outbox.flush()).toEqual({ sent: 1, ok: true });
    expect(server.log).toEqual([`POST ${item.id}`]);
    expect(await outbox.counts()).toEqual({ feedback: 0, telemetry: 0, photos: 1 });
    setting.photos = true;
    expect(await outbox.flush()).toEqual({ sent: 1, ok: true });
    expect(server.photos.has(item.id)).toBe(true);
  });

  it('lets two outboxes on one database (page and service worker) upload a photo once', async () => {
    const { db, server, outbox: page } = await setup();
    let release!: () => void;
    const hold = new Promise<void>((ok) => (release = ok));
    const slow = async (id: string, jpeg: ArrayBuffer) => (await hold, server.upload(id, jpeg));
    const worker = new Outbox({ db, schemas, send: server.send, upload: slow, enabled: async () => true, photos: async () => true });
    const item = answer();
    await page.add('feedback', item, copy('twice'));
    const first = worker.flush();
    await expect.poll(() => server.log.length).toBe(1);
    // The worker holds the photo while its upload is under way: the page finds nothing to upload.
    expect(await page.flush()).toEqual({ sent: 0, ok: true });
    release();
    expect(await first).toEqual({ sent: 2, ok: true });
    expect(server.log).toEqual([`POST ${item.id}`, `PUT ${item.id}`]);
  });
});
