/**
 * Per-request observability: a request id, one structured JSON log line, and request counters by
 * route and status for /api/metrics. Counters live in the isolate (like a Prometheus client's in a
 * process): they reset when the isolate restarts, which `rate()` handles.
 */
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv } from './env';

const requestCounts = new Map<string, { route: string; method: string; status: number; n: number }>();

export function requestCounters() {
  return [...requestCounts.values()];
}

let startedAt: number | undefined;
/** Seconds since this isolate served its first request (module-scope clocks are frozen in workers). */
export const uptimeSeconds = () => (startedAt === undefined ? 0 : (Date.now() - startedAt) / 1000);

export const requestLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  startedAt ??= Date.now();
  const t0 = Date.now();
  const requestId = c.req.header('x-request-id')?.slice(0, 64) || crypto.randomUUID();
  c.set('requestId', requestId);
  await next();
  c.res.headers.set('x-request-id', requestId);
  const matched = routePath(c, -1);
  const route = matched === '*' || matched === '/*' || matched === '/api/*' ? 'unmatched' : matched;
  const key = `${c.req.method} ${route} ${c.res.status}`;
  const entry = requestCounts.get(key) ?? { route, method: c.req.method, status: c.res.status, n: 0 };
  entry.n++;
  requestCounts.set(key, entry);
  console.log(
    JSON.stringify({ requestId, method: c.req.method, path: c.req.path, route, status: c.res.status, durationMs: Date.now() - t0 })
  );
};
