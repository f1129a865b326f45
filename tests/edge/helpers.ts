import { SELF } from 'cloudflare:test';
import type { ErrorBody, FeedbackItem, TelemetryItem } from '../../edge/src/contract';

export const ADMIN_TOKEN = 'test-admin-token';

export function api(path: string, init?: RequestInit): Promise<Response> {
  return SELF.fetch(`http://pawlens.test${path}`, init);
}

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return api(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  });
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

export async function rowCount(db: D1Database, table: 'feedback' | 'telemetry' | 'models'): Promise<number> {
  return (await db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<number>('n')) ?? 0;
}
