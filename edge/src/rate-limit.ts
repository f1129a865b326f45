/**
 * Rate limits on every write route (POST and PUT under /api), with the Workers Rate Limiting bindings in
 * wrangler.toml. A client is its IP (`CF-Connecting-IP`, which Cloudflare sets) plus the install id
 * the app sends in `X-Install-Id`, so households behind one address do not share one budget; the
 * per-IP limit bounds what one address gets by making up install ids. Over a limit: 429
 * `rate_limited` with Retry-After. Counts are per Cloudflare location and eventually consistent.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env';
import { apiError } from './errors';

/** Both limits' `simple.period` in wrangler.toml: a refused client may try again after one period. */
export const RATE_LIMIT_PERIOD_S = 10;

export const INSTALL_ID_HEADER = 'x-install-id';
const INSTALL_ID = /^[0-9a-z-]{8,64}$/;

/** The client a request counts against: `ip` alone, or `ip|installId` when the app sent a well-formed id. */
export function clientKeys(ip: string | undefined, installId: string | undefined): { client: string; ip: string } {
  const addr = ip?.trim() || 'unknown';
  const install = installId?.trim().toLowerCase();
  return { client: install && INSTALL_ID.test(install) ? `${addr}|${install}` : addr, ip: addr };
}

export const rateLimitWrites: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
  const keys = clientKeys(c.req.header('cf-connecting-ip'), c.req.header(INSTALL_ID_HEADER));
  // The IP budget is only spent by requests within their client's limit, so one flooding client
  // cannot use up its neighbours' share.
  const allowed =
    (await c.env.CLIENT_WRITE_LIMIT.limit({ key: keys.client })).success && (await c.env.IP_WRITE_LIMIT.limit({ key: keys.ip })).success;
  if (!allowed) {
    c.header('retry-after', String(RATE_LIMIT_PERIOD_S));
    return apiError(c, 429, 'rate_limited', `too many requests from this client; retry after ${RATE_LIMIT_PERIOD_S} s`);
  }
  await next();
};
