/** `Authorization: Bearer <ADMIN_TOKEN>` for admin routes, compared in constant time. */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env';
import { apiError } from './errors';

const encoder = new TextEncoder();

/** Hashing both sides first gives equal-length inputs, so timingSafeEqual leaks neither content nor length. */
export async function tokensEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(given)),
    crypto.subtle.digest('SHA-256', encoder.encode(expected))
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  if (!expected) return apiError(c, 401, 'unauthorized', 'publishing is disabled: ADMIN_TOKEN is not configured');
  const match = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '');
  if (!match || !(await tokensEqual(match[1]!.trim(), expected))) {
    c.header('www-authenticate', 'Bearer');
    return apiError(c, 401, 'unauthorized', 'a valid Bearer token is required');
  }
  await next();
};
