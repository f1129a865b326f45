/** Bindings and vars of the worker (see wrangler.toml). */
export interface Bindings {
  DB: D1Database;
  MODELS: R2Bucket;
  /** Photos shared with feedback (opt-in), kept apart from the public model files. */
  PHOTOS: R2Bucket;
  ASSETS: Fetcher;
  /** Bearer token for the admin routes (publishing, model lifecycle, review): a wrangler secret, `.dev.vars` locally. */
  ADMIN_TOKEN?: string;
  /** Write requests per client and per IP (see rate-limit.ts). */
  CLIENT_WRITE_LIMIT: RateLimit;
  IP_WRITE_LIMIT: RateLimit;
  MAX_BODY_BYTES?: string;
  MAX_PUBLISH_BYTES?: string;
}

export type AppEnv = { Bindings: Bindings; Variables: { requestId: string } };
