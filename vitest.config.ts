import { defineConfig } from 'vitest/config';

// Two groups, run one after the other (sequence.groupOrder):
// - `core`: packages/core's tests, the library without Redis or processes. They do not time
//   anything or share anything, so two files run at once on the CI machine's 2 cores (one file at
//   a time left half of this group's wall time idle: 112 s wall for 58 s of CPU).
// - `integration`: everything that starts Redis servers, worker processes or Chromium, or counts
//   what a kill did. These run one file at a time, as before: with two at once,
//   test/reliability.test.ts saw a task started twice after a Redis restart under the extra load.
//   They share one fork (isolate: false): a fresh process per file cost 1.3 s of start and imports
//   each, 108 s of the group's 682 s; one process keeps the modules loaded (the group took 621 s).
//   A test here must therefore not lean on a cold process (the late-answer test did: a warm one
//   submitted within its 20 ms deadline) nor leave state behind for the next file.
// - `isolated`: the few integration files that must import a module fresh, after setting the
//   environment its configuration is read from at import (a sandbox's) or mocking its imports;
//   one process per file, after the shared group (in one fork, dataset-for.test.ts got the
//   context module another file had loaded, with that file's data directory).
const shared = {
  // onnxruntime-node is not thread-safe across worker_threads; forks keep one runtime per process.
  pool: 'forks' as const,
  testTimeout: 60_000,
  hookTimeout: 60_000,
};

/** Integration files that set a module's environment before importing it, or mock its imports (see `isolated` above). */
const ISOLATED = [
  'apps/worker/test/processors/dataset-for.test.ts',
  'apps/worker/test/processors/trial-pruning.test.ts',
  'apps/worker/test/processors/job-processor.test.ts',
];

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
          exclude: ['packages/core/test/**', '**/node_modules/**', ...ISOLATED],
          maxWorkers: 1,
          isolate: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: { ...shared, name: 'isolated', include: ISOLATED, maxWorkers: 1, sequence: { groupOrder: 2 } },
      },
    ],
  },
});
