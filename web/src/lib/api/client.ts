/**
 * Typed client for the edge API. Every body is parsed with the shared contract, so a server that
 * drifts from it fails loudly here instead of deep inside the UI.
 */
import {
  BatchResult,
  ErrorBody,
  Health,
  LatestModel,
  Performance,
  type FeedbackItem,
  type TelemetryItem
} from '../../../../edge/src/contract';
import type { z } from 'zod';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** How long the server asked to wait before trying again (a 429's Retry-After). */
    readonly retryAfterMs?: number
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Retry-After in milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export type OutboxKind = 'feedback' | 'telemetry';
export type OutboxItem<K extends OutboxKind> = K extends 'feedback' ? FeedbackItem : TelemetryItem;

export function createApi(base = '', fetchFn: typeof fetch = (...a) => fetch(...a)) {
  async function request<S extends z.ZodType>(schema: S, path: string, init?: RequestInit): Promise<z.infer<S>> {
    const res = await fetchFn(base + path, init);
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const err = ErrorBody.safeParse(body);
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
      throw err.success
        ? new ApiError(res.status, err.data.error.code, err.data.error.message, retryAfter)
        : new ApiError(res.status, 'http_error', `HTTP ${res.status} from ${path}`, retryAfter);
    }
    return schema.parse(body);
  }

  /** `installId` lets the server rate-limit this install apart from others on the same address. */
  const post = (path: string, items: unknown[], installId?: string) =>
    request(BatchResult, path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(installId ? { 'X-Install-Id': installId } : {}) },
      body: JSON.stringify({ items })
    });

  return {
    health: () => request(Health, '/api/health', { cache: 'no-store' }),
    performance: (modelVersion?: string) =>
      request(
        Performance,
        `/api/performance${modelVersion ? `?modelVersion=${encodeURIComponent(modelVersion)}` : ''}`,
        { cache: 'no-store' }
      ),
    /** The newest published model, or null when none has been published (404). */
    async latestModel(): Promise<LatestModel | null> {
      try {
        return await request(LatestModel, '/api/models/latest', { cache: 'no-store' });
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
    send<K extends OutboxKind>(kind: K, items: OutboxItem<K>[], installId?: string): Promise<BatchResult> {
      return post(`/api/${kind}`, items, installId);
    },
    modelFileUrl: (version: string, path: string) =>
      `${base}/api/models/${encodeURIComponent(version)}/${encodeURIComponent(path)}`
  };
}

export type Api = ReturnType<typeof createApi>;
export const api = createApi();
