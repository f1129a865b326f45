/** The one error shape: `{ error: { code, message, field? } }`, always JSON, never a stack trace. */
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorBody, ErrorCode } from './contract';
import type { AppEnv } from './env';

export function apiError(c: Context, status: ContentfulStatusCode, code: ErrorCode, message: string, field?: string) {
  const body: ErrorBody = { error: field === undefined ? { code, message } : { code, message, field } };
  return c.json(body, status);
}

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited'
};

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof HTTPException && err.status < 500) {
    const code = err.message.startsWith('Malformed JSON') ? 'invalid_json' : (CODE_BY_STATUS[err.status] ?? 'bad_request');
    return apiError(c, err.status, code, err.message || code);
  }
  console.error(JSON.stringify({ level: 'error', requestId: c.get('requestId'), message: String(err), stack: (err as Error).stack }));
  return apiError(c, 500, 'internal', 'internal error');
};

export const notFound: NotFoundHandler<AppEnv> = (c) => apiError(c, 404, 'not_found', `no route for ${c.req.method} ${c.req.path}`);
