import { defineConfig } from 'vitest/config';

// Node-side suites: training, web logic, bench CLIs, integration against real wrangler dev, and real Chromium.
export default defineConfig({
  test: {
    include: ['tests/{training,web,integration,e2e,bench}/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Browser tests poll for states that take seconds on a busy machine; each names its own limit where it needs more.
    expect: { poll: { timeout: 30_000 } }
  }
});
