import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { unstable_readConfig } from 'wrangler';
import { defineConfig } from 'vitest/config';

// The rate limits as wrangler.toml declares them, so the tests check the worker against the real
// numbers, except the per-IP limit, lowered to twice the per-client one: the simulator counts in
// fixed 10 s windows, and a loaded machine may never send 300 requests within one.
const declared = Object.fromEntries(unstable_readConfig({ config: './wrangler.toml' }).ratelimits.map((r) => [r.name, r.simple]));
const rateLimits = { ...declared, IP_WRITE_LIMIT: { ...declared.IP_WRITE_LIMIT!, limit: 2 * declared.CLIENT_WRITE_LIMIT!.limit } };

// Edge suites run inside workerd against real local D1 and R2 (reset between test files).
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        ratelimits: Object.fromEntries(Object.entries(rateLimits).map(([name, simple]) => [name, { simple }])),
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations('edge/migrations'),
          TEST_RATE_LIMITS: rateLimits,
          ADMIN_TOKEN: 'test-admin-token',
          MAX_PUBLISH_BYTES: String(4 * 1024 * 1024)
        }
      }
    })
  ],
  test: {
    include: ['tests/edge/**/*.test.ts'],
    setupFiles: ['tests/edge/setup.ts'],
    // The worker's per-request JSON log lines are asserted on elsewhere; keep test output readable.
    onConsoleLog: (log) => !log.startsWith('{"requestId"')
  }
});
