import { defineConfig } from 'vitest/config';

// Integration tests share one local Kafka broker and Redis; forks keep native addons
// (hnswlib-node) out of worker threads, and generous timeouts absorb consumer-group joins.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 90_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
