/** Input checks every route shares: content type (415), size before parsing (413), schema (400 naming the field). */
import { zValidator } from '@hono/zod-validator';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import type { AppEnv, Bindings } from './env';
import { apiError } from './errors';

/** The first failing field as a dotted path, e.g. `items.3.confidence`. */
export function fieldOf(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  return path.join('.') || '(body)';
}

/** The one answer to input that fails its schema: 400 naming the first bad field. */
function rejectInvalid(result: { success: true } | { success: false; error: { issues: z.core.$ZodIssue[] } }, c: Context) {
  if (result.success) return;
  const issue = result.error.issues[0]!;
  const field = fieldOf(issue);
  return apiError(c, 400, 'validation_failed', `${field}: ${issue.message}`, field);
}

/** 415 unless Content-Type, its parameters aside, is `mediaType`. */
export function requireType(mediaType: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== mediaType) {
      return apiError(c, 415, 'unsupported_media_type', `expected Content-Type ${mediaType}, got ${type || 'none'}`);
    }
    await next();
  };
}

const requireJson = requireType('application/json');

/** `limit` names the var holding the byte limit, read per request so wrangler vars apply. */
function limitBody(limit: keyof Pick<Bindings, 'MAX_BODY_BYTES' | 'MAX_PUBLISH_BYTES'>, fallback: number): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    const maxSize = Number(c.env[limit] ?? fallback);
    return bodyLimit({
      maxSize,
      onError: (c) => apiError(c, 413, 'payload_too_large', `request body is larger than ${maxSize} bytes`)
    })(c, next);
  };
}

export function jsonBody<T extends z.ZodType>(schema: T, limit: 'MAX_BODY_BYTES' | 'MAX_PUBLISH_BYTES' = 'MAX_BODY_BYTES') {
  const fallback = limit === 'MAX_BODY_BYTES' ? 256 * 1024 : 25 * 1024 * 1024;
  return [
    requireJson,
    limitBody(limit, fallback),
    zValidator('json', schema, rejectInvalid)
  ] as const;
}

/**
 * `jsonBody` for a body that may be left out: it is then validated as `{}`, whatever Content-Type
 * says. A body that is there must be JSON: one sent as another type would otherwise be read as `{}`
 * and its fields silently ignored.
 */
export function optionalJsonBody<T extends z.ZodType>(schema: T) {
  const [, limit, validate] = jsonBody(schema);
  const jsonIfAny: MiddlewareHandler<AppEnv> = (c, next) => {
    if (c.req.raw.body !== null && c.req.header('content-length') !== '0') return requireJson(c, next);
    const headers = new Headers(c.req.raw.headers);
    headers.set('content-type', 'application/json');
    headers.delete('content-length');
    c.req.raw = new Request(c.req.raw, { headers, body: '{}' });
    return next();
  };
  return [jsonIfAny, limit, validate] as const;
}

export function query<T extends z.ZodType>(schema: T) {
  return zValidator('query', schema, rejectInvalid);
}

/** Path parameters, e.g. `params(z.object({ id: z.uuid() }))`. */
export function params<T extends z.ZodType>(schema: T) {
  return zValidator('param', schema, rejectInvalid);
}

/**
 * A raw body's bytes, or null when it is longer than `max`: a Content-Length above it is refused
 * unread, and the body itself is counted as it streams in (a header may understate it), so at most
 * `max` bytes plus one chunk are ever held. Not hono's bodyLimit: that one reads nothing when a
 * Content-Length at or under the limit is given, so an understated one lets any size through.
 */
export async function bodyUpTo(req: Request, max: number): Promise<Uint8Array | null> {
  if (Number(req.headers.get('content-length') ?? 0) > max) return null;
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  chunks.reduce((at, chunk) => (out.set(chunk, at), at + chunk.byteLength), 0);
  return out;
}
