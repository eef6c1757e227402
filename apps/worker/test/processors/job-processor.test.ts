import { configureKernels, kernelSettings } from '@gridfold/core';
import type { SandboxedJob } from 'bullmq';
import { afterAll, describe, expect, it, vi } from 'vitest';

// The settings createWorker hands its sandboxed children: 1 thread per fit task, 4 for the refit.
// Jobs without plugins: loading them is a no-op here (test/plugins.test.ts runs the real one).
vi.mock('../../src/processors/context.js', () => ({ config: { threads: 1, refitThreads: 4, tfjsBackend: 'cpu' }, pluginsFor: async () => {}, storeFor: () => ({}) }));

// Each kind's processor reports which one ran and the kernel settings it saw.
const seen = (kind: string) => async () => ({ kind, ...kernelSettings() });
vi.mock('../../src/processors/task-processor.js', () => ({ processTask: seen('fit') }));
vi.mock('../../src/processors/aggregate-processor.js', () => ({ processAggregate: seen('aggregate') }));
vi.mock('../../src/processors/halving.js', () => ({ processHalving: seen('halving') }));
vi.mock('../../src/processors/refit-processor.js', () => ({ processRefit: seen('refit') }));
vi.mock('../../src/processors/trial-processor.js', () => ({ processTrial: seen('trial') }));

const { default: processJob } = await import('../../src/processors/job-processor.js');
// The kind travels in the data; the name is a label for people and is not read.
const job = (kind: string) => ({ id: '1', name: 'label', data: { kind, experimentId: 'e', prefix: 'p', generation: 0 } }) as SandboxedJob;

afterAll(() => configureKernels({}));

describe('processJob', () => {
  it('runs each kind of job with its thread count, back and forth in one process', async () => {
    expect(await processJob(job('fit'))).toEqual({ kind: 'fit', threads: 1, tfjsBackend: 'cpu' });
    expect(await processJob(job('aggregate'))).toEqual({ kind: 'aggregate', threads: 1, tfjsBackend: 'cpu' });
    expect(await processJob(job('refit'))).toEqual({ kind: 'refit', threads: 4, tfjsBackend: 'cpu' });
    expect(await processJob(job('fit'))).toEqual({ kind: 'fit', threads: 1, tfjsBackend: 'cpu' });
    expect(await processJob(job('halving'))).toEqual({ kind: 'halving', threads: 1, tfjsBackend: 'cpu' });
  });

  it('refuses a job of no known kind', async () => {
    await expect(processJob(job('train'))).rejects.toThrow('job 1 (label) has no known kind in its data: "train"');
  });
});
