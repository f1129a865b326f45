import { SELF } from 'cloudflare:test';
import type { ErrorBody, FeedbackItem, PublishRequest, TelemetryItem } from '../../edge/src/contract';
import { sha256Hex } from '../../edge/src/sha256';

export const ADMIN_TOKEN = 'test-admin-token';
export const auth = (token = ADMIN_TOKEN) => ({ authorization: `Bearer ${token}` });

/** A made-up client address (documentation range), so unrelated requests do not share a rate limit. */
export const someClientIp = () => `2001:db8::${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}`;

export function api(path: string, init?: RequestInit): Promise<Response> {
  return SELF.fetch(`http://pawlens.test${path}`, init);
}

/** POSTs JSON; each call is its own client (see rate-limit.test.ts) unless `headers` names one. */
export function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return api(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': someClientIp(), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  });
}

/** PUTs a feedback item's photo; each call is its own client, like postJson. */
export function putPhoto(id: string, body: BodyInit | null, headers: Record<string, string> = {}): Promise<Response> {
  return api(`/api/feedback/${id}/photo`, {
    method: 'PUT',
    headers: { 'content-type': 'image/jpeg', 'cf-connecting-ip': someClientIp(), ...headers },
    body
  });
}

/** `size` bytes that start like a JFIF file (FF D8 FF E0), the rest random: the edge checks only the magic. */
export function jpegBytes(size = 2048): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  crypto.getRandomValues(bytes.subarray(0, Math.min(size, 65536)));
  bytes.set([0xff, 0xd8, 0xff, 0xe0].slice(0, size));
  return bytes;
}

/** Stores feedback items through the API, as the app does before their photos. */
export async function storeFeedback(...items: FeedbackItem[]): Promise<void> {
  const res = await postJson('/api/feedback', { items });
  if (res.status !== 200) throw new Error(`storing feedback: ${res.status} ${await res.text()}`);
}

export function feedbackItem(overrides: Partial<FeedbackItem> = {}): FeedbackItem {
  return {
    id: crypto.randomUUID(),
    modelVersion: '1.0.0',
    predicted: 'cat',
    confidence: 0.93,
    actual: 'cat',
    createdAt: '2026-11-24T10:00:00.000Z',
    latencyMs: 31.5,
    backend: 'webgl',
    ...overrides
  };
}

export function telemetryItem(overrides: Partial<TelemetryItem> = {}): TelemetryItem {
  return {
    id: crypto.randomUUID(),
    modelVersion: '1.0.0',
    backend: 'wasm',
    latencyMs: 20,
    warmupMs: 300,
    loadMs: 800,
    userAgentClass: 'mobile',
    ...overrides
  };
}

/** Asserts the one error shape and returns it. */
export async function errorOf(res: Response): Promise<ErrorBody['error']> {
  const ct = res.headers.get('content-type') ?? '';
  if (!ct.startsWith('application/json')) throw new Error(`error response is ${ct}, not JSON: ${await res.text()}`);
  const body = (await res.json()) as ErrorBody;
  if (!body.error?.code || !body.error.message) throw new Error(`not the error shape: ${JSON.stringify(body)}`);
  return body.error;
}

export async function rowCount(db: D1Database, table: 'feedback' | 'telemetry' | 'models' | 'feedback_photos'): Promise<number> {
  return (await db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<number>('n')) ?? 0;
}

const enc = new TextEncoder();
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

export const SHARD = new Uint8Array([0, 1, 2, 3, 250, 251, 252, 253]);

/** A small but valid layers-model: one weight in one shard. */
export const modelJson = (shards = ['group1-shard1of1.bin']) => ({
  format: 'layers-model',
  modelTopology: { class_name: 'Sequential', config: { name: 'tiny', layers: [] } },
  weightsManifest: [{ paths: shards, weights: [{ name: 'dense/kernel', shape: [2], dtype: 'float32' }] }]
});

export const metadataJson = (version: string) => ({
  version,
  created: '2026-11-24T10:00:00Z',
  labels: ['cat', 'dog', 'neither'],
  inputSize: [224, 224],
  normalization: { scale: 1 / 127.5, offset: -1 },
  unsureThreshold: 0.8,
  metrics: { accuracy: 0.985 },
  datasetFingerprint: 'ab'.repeat(32),
  backend: 'wasm',
  runId: 'run-1',
  files: []
});

/** A publish request; `files` replaces or (with `undefined`) drops files by path. */
export async function publishBody(
  version: string,
  files: Record<string, unknown> = {},
  extra: Partial<PublishRequest> = {}
): Promise<PublishRequest> {
  const contents: Record<string, unknown> = {
    'model.json': modelJson(),
    'group1-shard1of1.bin': SHARD,
    'metadata.json': metadataJson(version),
    ...files
  };
  return {
    version,
    files: await Promise.all(
      Object.entries(contents)
        .filter(([, v]) => v !== undefined)
        .map(async ([path, v]) => {
          const bytes = v instanceof Uint8Array ? v : enc.encode(typeof v === 'string' ? v : JSON.stringify(v));
          return { path, sha256: await sha256Hex(bytes), contentBase64: b64(bytes) };
        })
    ),
    ...extra
  };
}

/** Publishes a valid model version (active only when asked) and checks it worked. */
export async function publish(version: string, activate = false): Promise<void> {
  const res = await postJson('/api/models', await publishBody(version, {}, { activate }), auth());
  if (res.status !== 201) throw new Error(`publishing ${version}: ${res.status} ${await res.text()}`);
}
