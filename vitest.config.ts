import { defineConfig } from 'vitest/config';

// Integration tests start real servers and real FFmpeg processes: on a 2-core machine they must not
// all run at once, and each needs more time than a unit test.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/renderer/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
