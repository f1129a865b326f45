/** Input checks every route shares: content type (415), size before parsing (413), schema (400 naming the field). */
import { zValidator } from '@hono/zod-validator';
import type { MiddlewareHandler } from 'hono';
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

function describe(issues: z.core.$ZodIssue[]) {
  const issue = issues[0]!;
  const field = fieldOf(issue);
  return { field, message: `${field}: ${issue.message}` };
}

const requireJson: MiddlewareHandler<AppEnv> = async (c, next) => {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    return apiError(c, 415, 'unsupported_media_type', `expected Content-Type application/json, got ${type || 'none'}`);
  }
  await next();
};

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
    zValidator('json', schema, (result, c) => {
      if (!result.success) {
        const { field, message } = describe(result.error.issues);
        return apiError(c, 400, 'validation_failed', message, field);
      }
    })
  ] as const;
}

export function query<T extends z.ZodType>(schema: T) {
  return zValidator('query', schema, (result, c) => {
    if (!result.success) {
      const { field, message } = describe(result.error.issues);
      return apiError(c, 400, 'validation_failed', message, field);
    }
  });
}
