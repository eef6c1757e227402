import type { JobData, TaskMetrics } from '@gridfold/queue';
import { UnrecoverableError, type Job } from 'bullmq';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { countTasks } from '../src/count-tasks.js';
import { JobStopped } from '../src/sandbox.js';

// Which job ends count for the metrics, with a TaskMetrics that records its calls.

function recorder() {
  const calls: Array<['completed', { estimator: string; seconds: number } | undefined] | ['failed']> = [];
  const metrics = {
    taskCompleted: async (timing?: { estimator: string; seconds: number }) => void calls.push(['completed', timing]),
    taskFailed: async () => void calls.push(['failed']),
  } as unknown as TaskMetrics;
  return { calls, counts: countTasks(metrics, pino({ level: 'silent' })) };
}

const fit = (attemptsMade = 1, attempts = 3) =>
  ({ data: { kind: 'fit', experimentId: 'x', prefix: 'p', generation: 0, fingerprint: '', task: { index: 4 } }, attemptsMade, opts: { attempts } }) as unknown as Job<JobData>;
const trial = (attemptsMade = 1, attempts = 3) =>
  ({ data: { kind: 'trial', experimentId: 'x', prefix: 'p', generation: 0, fingerprint: '', number: 7 }, attemptsMade, opts: { attempts } }) as unknown as Job<JobData>;
const step = (kind: 'aggregate' | 'refit' | 'halving') => ({ data: { kind, experimentId: 'x', prefix: 'p', generation: 0, fingerprint: '' }, attemptsMade: 2, opts: { attempts: 2 } }) as unknown as Job<JobData>;

describe('countTasks', () => {
  it('counts a computed fit task with its estimator and seconds, a redelivered one without', () => {
    const { calls, counts } = recorder();
    counts.completed(fit(), { task: 4, ms: 10, scores: [1], estimator: 'KNeighborsClassifier', seconds: 0.5 });
    counts.completed(fit(), { task: 4, already: true });
    expect(calls).toEqual([['completed', { estimator: 'KNeighborsClassifier', seconds: 0.5 }], ['completed', undefined]]);
  });

  it('does not count a task that did not run or whose result was refused, nor other jobs', () => {
    const { calls, counts } = recorder();
    counts.completed(fit(), { skipped: 'cancelled' });
    counts.completed(fit(), { task: 4, refused: 'stale-generation', generation: 0 });
    counts.completed(step('aggregate'), {});
    counts.completed(step('refit'), { task: 1 });
    expect(calls).toEqual([]);
  });

  it('counts a fit task that failed for good once, not its earlier attempts, nor a cancel, nor other jobs', () => {
    const { calls, counts } = recorder();
    counts.failed(fit(1, 3), new Error('boom'));
    counts.failed(fit(2, 3), new Error('boom'));
    counts.failed(fit(1, 3), new JobStopped('the experiment was cancelled', 'cancel'));
    counts.failed(step('refit'), new Error('boom'));
    counts.failed(undefined, new Error('boom'));
    expect(calls).toEqual([]);
    counts.failed(fit(3, 3), new Error('boom'));
    counts.failed(fit(1, 3), new JobStopped('fit task exceeded its 2h time limit', 'timeout'));
    counts.failed(fit(1, 3), new UnrecoverableError('bad plugin'));
    expect(calls).toEqual([['failed'], ['failed'], ['failed']]);
  });

  it('counts a study trial as one task: complete or pruned as completed (with its seconds), failed as failed, once', () => {
    const { calls, counts } = recorder();
    counts.completed(trial(), { trial: 7, state: 'complete', value: 0.9, estimator: 'MLPClassifier', seconds: 3 });
    counts.completed(trial(), { trial: 7, state: 'pruned', value: null, estimator: 'MLPClassifier', seconds: 1 });
    counts.completed(trial(), { trial: 7, state: 'failed', value: null, estimator: 'MLPClassifier', seconds: 1 });
    // Ended by an earlier delivery, or not run at all: counted there, or not at all.
    counts.completed(trial(), { trial: 7, already: 'complete' });
    counts.completed(trial(), { skipped: 'cancelled' });
    counts.failed(trial(1, 3), new Error('boom'));
    counts.failed(trial(3, 3), new Error('boom'));
    expect(calls).toEqual([['completed', { estimator: 'MLPClassifier', seconds: 3 }], ['completed', { estimator: 'MLPClassifier', seconds: 1 }], ['failed'], ['failed']]);
  });
});
