import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Integration tests share one local Kafka broker and Redis; forks keep native addons
// (hnswlib-node) out of worker threads, and generous timeouts absorb consumer-group joins.
// One worker per core, not vitest's default of cores - 1 (a single worker on 2 cores): most
// of the suite's time is spent waiting on brokers, groups and child processes, not computing.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: availableParallelism(),
    testTimeout: 60_000,
    hookTimeout: 90_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
