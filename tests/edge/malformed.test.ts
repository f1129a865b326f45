import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { MAX_BATCH } from '../../edge/src/contract';
import { api, errorOf, feedbackItem, postJson, rowCount, telemetryItem } from './helpers';

const fb = (overrides: Record<string, unknown>) => ({ items: [{ ...feedbackItem(), ...overrides }] });
const fbWithout = (key: string) => {
  const item: Record<string, unknown> = { ...feedbackItem() };
  delete item[key];
  return { items: [item] };
};
const json = { 'content-type': 'application/json' };

interface Case {
  name: string;
  request: () => Promise<Response>;
  status: number;
  code: string;
  field?: string;
}

const post = (body: unknown, path = '/api/feedback') => () => postJson(path, body);

const cases: Case[] = [
  { name: 'invalid JSON', request: post('{"items": [', '/api/feedback'), status: 400, code: 'invalid_json' },
  { name: 'empty body', request: () => api('/api/feedback', { method: 'POST', headers: json, body: '' }), status: 400, code: 'invalid_json' },
  { name: 'JSON null', request: post('null'), status: 400, code: 'validation_failed' },
  { name: 'a bare array instead of { items }', request: post([feedbackItem()]), status: 400, code: 'validation_failed' },
  { name: 'items missing', request: post({}), status: 400, code: 'validation_failed', field: 'items' },
  { name: 'items not an array', request: post({ items: 'many' }), status: 400, code: 'validation_failed', field: 'items' },
  { name: 'empty batch', request: post({ items: [] }), status: 400, code: 'validation_failed', field: 'items' },
  {
    name: `${MAX_BATCH + 1} items`,
    request: post({ items: Array.from({ length: MAX_BATCH + 1 }, () => feedbackItem()) }),
    status: 400,
    code: 'validation_failed',
    field: 'items'
  },
  { name: 'unknown top-level key', request: post({ items: [feedbackItem()], extra: 1 }), status: 400, code: 'validation_failed', field: 'extra' },
  { name: 'unknown item key', request: post(fb({ photo: 'data:image/jpeg;base64,AAAA' })), status: 400, code: 'validation_failed', field: 'items.0.photo' },
  { name: 'non-UUID id', request: post(fb({ id: 'not-a-uuid' })), status: 400, code: 'validation_failed', field: 'items.0.id' },
  { name: 'numeric id', request: post(fb({ id: 42 })), status: 400, code: 'validation_failed', field: 'items.0.id' },
  { name: 'missing id', request: post(fbWithout('id')), status: 400, code: 'validation_failed', field: 'items.0.id' },
  { name: 'missing modelVersion', request: post(fbWithout('modelVersion')), status: 400, code: 'validation_failed', field: 'items.0.modelVersion' },
  { name: 'huge modelVersion string', request: post(fb({ modelVersion: 'v'.repeat(10_000) })), status: 400, code: 'validation_failed', field: 'items.0.modelVersion' },
  { name: 'modelVersion with a slash', request: post(fb({ modelVersion: '../etc' })), status: 400, code: 'validation_failed', field: 'items.0.modelVersion' },
  { name: 'unknown predicted label', request: post(fb({ predicted: 'hamster' })), status: 400, code: 'validation_failed', field: 'items.0.predicted' },
  { name: '"unsure" as predicted (a verdict, not a class)', request: post(fb({ predicted: 'unsure' })), status: 400, code: 'validation_failed', field: 'items.0.predicted' },
  { name: 'unknown actual label', request: post(fb({ actual: 'fox' })), status: 400, code: 'validation_failed', field: 'items.0.actual' },
  { name: 'confidence above 1', request: post(fb({ confidence: 1.01 })), status: 400, code: 'validation_failed', field: 'items.0.confidence' },
  { name: 'negative confidence', request: post(fb({ confidence: -0.1 })), status: 400, code: 'validation_failed', field: 'items.0.confidence' },
  { name: 'confidence as a string', request: post(fb({ confidence: '0.9' })), status: 400, code: 'validation_failed', field: 'items.0.confidence' },
  { name: 'createdAt not ISO', request: post(fb({ createdAt: 'yesterday' })), status: 400, code: 'validation_failed', field: 'items.0.createdAt' },
  { name: 'negative latency', request: post(fb({ latencyMs: -5 })), status: 400, code: 'validation_failed', field: 'items.0.latencyMs' },
  { name: 'unknown backend', request: post(fb({ backend: 'tpu' })), status: 400, code: 'validation_failed', field: 'items.0.backend' },
  { name: 'item is null', request: post({ items: [null] }), status: 400, code: 'validation_failed', field: 'items.0' },
  {
    name: 'oversize body (over MAX_BODY_BYTES), rejected before parsing',
    request: post(`{"items":[${'"x",'.repeat(80_000)}"x"]}`),
    status: 413,
    code: 'payload_too_large'
  },
  {
    name: 'wrong content type',
    request: () => api('/api/feedback', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ items: [feedbackItem()] }) }),
    status: 415,
    code: 'unsupported_media_type'
  },
  {
    name: 'no content type',
    request: () => api('/api/feedback', { method: 'POST', body: new Blob([JSON.stringify({ items: [feedbackItem()] })]) }),
    status: 415,
    code: 'unsupported_media_type'
  },
  {
    name: 'form post',
    request: () => api('/api/feedback', { method: 'POST', body: new URLSearchParams({ items: '[]' }) }),
    status: 415,
    code: 'unsupported_media_type'
  },
  { name: 'GET on a POST route', request: () => api('/api/feedback'), status: 405, code: 'method_not_allowed' },
  { name: 'DELETE on health', request: () => api('/api/health', { method: 'DELETE' }), status: 405, code: 'method_not_allowed' },
  { name: 'unknown API path', request: () => api('/api/does-not-exist'), status: 404, code: 'not_found' },
  { name: 'telemetry: negative latency', request: post({ items: [{ ...telemetryItem(), latencyMs: -1 }] }, '/api/telemetry'), status: 400, code: 'validation_failed', field: 'items.0.latencyMs' },
  { name: 'telemetry: missing backend', request: post({ items: [{ ...telemetryItem(), backend: undefined }] }, '/api/telemetry'), status: 400, code: 'validation_failed', field: 'items.0.backend' },
  { name: 'telemetry: unknown userAgentClass', request: post({ items: [{ ...telemetryItem(), userAgentClass: 'fridge' }] }, '/api/telemetry'), status: 400, code: 'validation_failed', field: 'items.0.userAgentClass' },
  { name: 'telemetry: latency as Infinity-like huge number', request: post({ items: [{ ...telemetryItem(), latencyMs: 1e308 }] }, '/api/telemetry'), status: 400, code: 'validation_failed', field: 'items.0.latencyMs' },
  { name: 'performance: bad modelVersion query', request: () => api('/api/performance?modelVersion=a%20b'), status: 400, code: 'validation_failed', field: 'modelVersion' },
  { name: 'performance: unknown query parameter', request: () => api('/api/performance?drop=table'), status: 400, code: 'validation_failed', field: 'drop' },
  { name: 'model file with a bad version', request: () => api('/api/models/..%2F..%2Fsecret/model.json'), status: 400, code: 'validation_failed', field: 'version' },
  { name: 'model file that does not exist', request: () => api('/api/models/1.0.0/model.json'), status: 404, code: 'not_found' },
  { name: 'latest model when none is published', request: () => api('/api/models/latest'), status: 404, code: 'not_found' }
];

describe('malformed input gets the right 4xx JSON error, never a 5xx', () => {
  it(`covers at least 25 distinct cases (has ${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)('$name → $status $code', async ({ request, status, code, field }) => {
    const res = await request();
    expect(res.status).toBe(status);
    const error = await errorOf(res);
    expect(error.code).toBe(code);
    if (field !== undefined) expect(error.field).toBe(field);
    expect(error.message).not.toMatch(/\n\s+at /); // no stack traces
    expect(await rowCount(env.DB, 'feedback')).toBe(0);
    expect(await rowCount(env.DB, 'telemetry')).toBe(0);
  });
});
