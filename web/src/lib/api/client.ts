/**
 * Typed client for the edge API. Every body is parsed with the shared contract, so a server that
 * drifts from it fails loudly here instead of deep inside the UI. Each realm says where the schemas
 * come from (see schemas.ts); the page's client is in api.ts.
 */
import type { BatchResult, FeedbackItem, LatestModel, PhotoUploadResult, ReviewAction, ReviewList, ReviewPhoto, TelemetryItem } from '../../../../edge/src/contract';
import type { z } from 'zod';
import type { Schemas, SchemaSource } from './schemas';

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

/** The ApiError a failed response stands for (its JSON error body when it has one). */
async function failure(res: Response, path: string, schemas: SchemaSource): Promise<ApiError> {
  const err = (await schemas()).ErrorBody.safeParse(await res.json().catch(() => null));
  const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
  return err.success
    ? new ApiError(res.status, err.data.error.code, err.data.error.message, retryAfter)
    : new ApiError(res.status, 'http_error', `HTTP ${res.status} from ${path}`, retryAfter);
}

export function createApi(schemas: SchemaSource, base = '', fetchFn: typeof fetch = (...a) => fetch(...a)) {
  /** `schema` picks the answer's schema from the contract. */
  async function request<S extends z.ZodType>(schema: (c: Schemas) => S, path: string, init?: RequestInit): Promise<z.infer<S>> {
    const res = await fetchFn(base + path, init);
    if (!res.ok) throw await failure(res, path, schemas);
    const body: unknown = await res.json().catch(() => null);
    return schema(await schemas()).parse(body);
  }

  /** `installId` lets the server rate-limit this install apart from others on the same address. */
  const installHeader = (installId?: string): Record<string, string> => (installId ? { 'X-Install-Id': installId } : {});
  const post = (path: string, items: unknown[], installId?: string) =>
    request((c) => c.BatchResult, path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...installHeader(installId) },
      body: JSON.stringify({ items })
    });
  const admin = (token: string) => ({ Authorization: `Bearer ${token}` });

  return {
    health: () => request((c) => c.Health, '/api/health', { cache: 'no-store' }),
    performance: (modelVersion?: string) =>
      request(
        (c) => c.Performance,
        `/api/performance${modelVersion ? `?modelVersion=${encodeURIComponent(modelVersion)}` : ''}`,
        { cache: 'no-store' }
      ),
    /**
     * The model this install should run, or null when none has been published (404). `rolloutId`
     * (this install's random id) lets the server serve a staged version to a stable share of installs.
     */
    async latestModel(rolloutId?: string): Promise<LatestModel | null> {
      const query = rolloutId ? `?install=${encodeURIComponent(rolloutId)}` : '';
      try {
        return await request((c) => c.LatestModel, `/api/models/latest${query}`, { cache: 'no-store' });
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
    send<K extends OutboxKind>(kind: K, items: OutboxItem<K>[], installId?: string): Promise<BatchResult> {
      return post(`/api/${kind}`, items, installId);
    },
    /** The shared copy of a feedback item's photo; the server keeps the first one per id. */
    uploadPhoto(id: string, jpeg: ArrayBuffer, installId?: string): Promise<PhotoUploadResult> {
      return request((c) => c.PhotoUploadResult, `/api/feedback/${encodeURIComponent(id)}/photo`, {
        method: 'PUT',
        headers: { 'Content-Type': 'image/jpeg', ...installHeader(installId) },
        body: jpeg
      });
    },
    /** Shared photos for review (admin), newest upload first. */
    reviewList(token: string): Promise<ReviewList> {
      return request((c) => c.ReviewList, '/api/review', { headers: admin(token), cache: 'no-store' });
    },
    async reviewPhoto(token: string, id: string): Promise<Blob> {
      const path = `/api/review/${encodeURIComponent(id)}/photo`;
      const res = await fetchFn(base + path, { headers: admin(token) });
      if (!res.ok) throw await failure(res, path, schemas);
      return res.blob();
    },
    /** Approves, relabels or rejects a shared photo (admin); answers with the photo as it is now. */
    review(token: string, id: string, action: ReviewAction): Promise<ReviewPhoto> {
      return request((c) => c.ReviewPhoto, `/api/review/${encodeURIComponent(id)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...admin(token) },
        body: JSON.stringify(action)
      });
    },
    modelFileUrl: (version: string, path: string) =>
      `${base}/api/models/${encodeURIComponent(version)}/${encodeURIComponent(path)}`
  };
}

export type Api = ReturnType<typeof createApi>;
