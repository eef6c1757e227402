import type { SandboxedJob } from 'bullmq';
import { afterAll, describe, expect, it, vi } from 'vitest';

// The environment createWorker gives its sandboxed children: 1 thread per fit task, 4 for the refit.
const saved = vi.hoisted(() => {
  const saved = { threads: process.env.GRIDFOLD_THREADS, refit: process.env.GRIDFOLD_REFIT_THREADS };
  process.env.GRIDFOLD_THREADS = '1';
  process.env.GRIDFOLD_REFIT_THREADS = '4';
  return saved;
});

// Each kind's processor reports which one ran and the thread count it saw.
const seen = (kind: string) => async () => ({ kind, threads: process.env.GRIDFOLD_THREADS });
vi.mock('../../src/processors/task-processor.js', () => ({ processTask: seen('fit') }));
vi.mock('../../src/processors/aggregate-processor.js', () => ({ processAggregate: seen('aggregate') }));
vi.mock('../../src/processors/halving.js', () => ({ processHalving: seen('halving') }));
vi.mock('../../src/processors/refit-processor.js', () => ({ processRefit: seen('refit') }));

const { default: processJob } = await import('../../src/processors/job-processor.js');
// The kind travels in the data; the name is a label for people and is not read.
const job = (kind: string) => ({ id: '1', name: 'label', data: { kind, experimentId: 'e', prefix: 'p', generation: 0 } }) as SandboxedJob;

afterAll(() => {
  for (const [name, value] of [['GRIDFOLD_THREADS', saved.threads], ['GRIDFOLD_REFIT_THREADS', saved.refit]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('processJob', () => {
  it('runs each kind of job with its thread count, back and forth in one process', async () => {
    expect(await processJob(job('fit'))).toEqual({ kind: 'fit', threads: '1' });
    expect(await processJob(job('aggregate'))).toEqual({ kind: 'aggregate', threads: '1' });
    expect(await processJob(job('refit'))).toEqual({ kind: 'refit', threads: '4' });
    expect(await processJob(job('fit'))).toEqual({ kind: 'fit', threads: '1' });
    expect(await processJob(job('halving'))).toEqual({ kind: 'halving', threads: '1' });
  });

  it('refuses a job of no known kind', async () => {
    await expect(processJob(job('train'))).rejects.toThrow('job 1 (label) has no known kind in its data: "train"');
  });
});
