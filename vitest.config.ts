import { defineConfig } from 'vitest/config';

// Two groups, run one after the other (sequence.groupOrder):
// - `core`: packages/core's tests, the library without Redis or processes. They do not time
//   anything or share anything, so two files run at once on the CI machine's 2 cores (one file at
//   a time left half of this group's wall time idle: 112 s wall for 58 s of CPU).
// - `integration`: everything that starts Redis servers, worker processes or Chromium, or counts
//   what a kill did. These run one file at a time, as before: with two at once,
//   test/reliability.test.ts saw a task started twice after a Redis restart under the extra load.
const shared = {
  // onnxruntime-node is not thread-safe across worker_threads; forks keep one runtime per process.
  pool: 'forks' as const,
  testTimeout: 60_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: { ...shared, name: 'core', include: ['packages/core/test/**/*.test.ts'], maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        test: {
          ...shared,
          name: 'integration',
          include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['packages/core/test/**', '**/node_modules/**'],
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
