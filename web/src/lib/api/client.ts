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
    message: string
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type OutboxKind = 'feedback' | 'telemetry';
export type OutboxItem<K extends OutboxKind> = K extends 'feedback' ? FeedbackItem : TelemetryItem;

export function createApi(base = '', fetchFn: typeof fetch = (...a) => fetch(...a)) {
  async function request<S extends z.ZodType>(schema: S, path: string, init?: RequestInit): Promise<z.infer<S>> {
    const res = await fetchFn(base + path, init);
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const err = ErrorBody.safeParse(body);
      throw err.success
        ? new ApiError(res.status, err.data.error.code, err.data.error.message)
        : new ApiError(res.status, 'http_error', `HTTP ${res.status} from ${path}`);
    }
    return schema.parse(body);
  }

  const post = (path: string, items: unknown[]) =>
    request(BatchResult, path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
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
    send<K extends OutboxKind>(kind: K, items: OutboxItem<K>[]): Promise<BatchResult> {
      return post(`/api/${kind}`, items);
    },
    modelFileUrl: (version: string, path: string) =>
      `${base}/api/models/${encodeURIComponent(version)}/${encodeURIComponent(path)}`
  };
}

export type Api = ReturnType<typeof createApi>;
export const api = createApi();
