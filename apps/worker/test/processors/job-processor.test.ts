import { configureKernels, kernelSettings } from '@gridfold/core';
import type { SandboxedJob } from 'bullmq';
import { afterAll, describe, expect, it, vi } from 'vitest';

// The settings createWorker hands its sandboxed children: 1 thread per fit task, 4 for the refit.
vi.mock('../../src/processors/context.js', () => ({ config: { threads: 1, refitThreads: 4, tfjsBackend: 'cpu' } }));

// Each kind's processor reports which one ran and the kernel settings it saw.
const seen = (kind: string) => async () => ({ kind, ...kernelSettings() });
vi.mock('../../src/processors/task-processor.js', () => ({ processTask: seen('fit') }));
vi.mock('../../src/processors/aggregate-processor.js', () => ({ processAggregate: seen('aggregate') }));
vi.mock('../../src/processors/halving.js', () => ({ processHalving: seen('halving') }));
vi.mock('../../src/processors/refit-processor.js', () => ({ processRefit: seen('refit') }));

const { default: processJob } = await import('../../src/processors/job-processor.js');
const job = (name: string) => ({ name, data: {} }) as SandboxedJob;

afterAll(() => configureKernels({}));

describe('processJob', () => {
  it('runs each kind of job with its thread count, back and forth in one process', async () => {
    expect(await processJob(job('fit · fold 0 · cells 0,1'))).toEqual({ kind: 'fit', threads: 1, tfjsBackend: 'cpu' });
    expect(await processJob(job('aggregate'))).toEqual({ kind: 'aggregate', threads: 1, tfjsBackend: 'cpu' });
    expect(await processJob(job('refit'))).toEqual({ kind: 'refit', threads: 4, tfjsBackend: 'cpu' });
    expect(await processJob(job('fit · round 1 · fold 2 · cells 3'))).toEqual({ kind: 'fit', threads: 1, tfjsBackend: 'cpu' });
    expect(await processJob(job('halving · round 0'))).toEqual({ kind: 'halving', threads: 1, tfjsBackend: 'cpu' });
  });

  it('refuses a job of no known kind', async () => {
    await expect(processJob(job('train'))).rejects.toThrow('job name must start with fit, aggregate, halving, refit, got "train"');
  });
});
