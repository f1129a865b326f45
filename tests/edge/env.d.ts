import type { D1Migration } from 'cloudflare:test';
import type { Bindings } from '../../edge/src/env';

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      TEST_MIGRATIONS: D1Migration[];
      /** wrangler.toml's [[ratelimits]], by binding name. */
      TEST_RATE_LIMITS: Record<'CLIENT_WRITE_LIMIT' | 'IP_WRITE_LIMIT', { limit: number; period: number }>;
    }
  }
}
