import { defineConfig } from 'vitest/config';

// Benchmarks print figures (ratios against a peer measured in the same run); they assert only that the
// work was done, never how fast. Run them one at a time so they do not measure each other.
export default defineConfig({
  test: {
    include: ['test/bench/**/*.bench.test.ts'],
    testTimeout: 30 * 60_000,
    hookTimeout: 10 * 60_000,
    fileParallelism: false,
    maxWorkers: 1,
  },
});
