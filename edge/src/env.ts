/** Bindings and vars of the worker (see wrangler.toml). */
export interface Bindings {
  DB: D1Database;
  MODELS: R2Bucket;
  ASSETS: Fetcher;
  /** Bearer token for POST /api/models: a wrangler secret, `.dev.vars` locally. */
  ADMIN_TOKEN?: string;
  /** Write requests per client and per IP (see rate-limit.ts). */
  CLIENT_WRITE_LIMIT: RateLimit;
  IP_WRITE_LIMIT: RateLimit;
  MAX_BODY_BYTES?: string;
  MAX_PUBLISH_BYTES?: string;
}

export type AppEnv = { Bindings: Bindings; Variables: { requestId: string } };
