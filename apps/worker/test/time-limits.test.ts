import { randomUUID } from 'node:crypto';
import { checkSpec, type Task } from '@gridfold/core';
import { connectRedis, ExperimentStore, type JobData } from '@gridfold/queue';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIME_LIMITS, JobTimeLimits, timeLimitMessage } from '../src/time-limits.js';

// Limits are hand-chosen milliseconds; the spec's are seconds, as users write them.
const redis = connectRedis();
const prefix = `test-${randomUUID()}`;
afterAll(async () => {
  const found = await redis.keys(`${prefix}:*`);
  if (found.length) await redis.del(...found);
  redis.disconnect();
});

const spec = (timeouts?: { fit_s?: number; refit_s?: number }) =>
  checkSpec({ name: 'limits', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, ...(timeouts && { timeouts }) });
const data = (kind: JobData['kind'], experimentId: string) =>
  ({ kind, experimentId, prefix, generation: 0, fingerprint: '', round: 0, task: { index: 0, fold: 0, cells: [0] } as Task }) as JobData;

describe('timeLimitMessage', () => {
  it('names the job and its limit in the largest whole unit', () => {
    expect(timeLimitMessage('fit', 2000)).toBe('fit task exceeded its 2s time limit');
    expect(timeLimitMessage('fit', 1500)).toBe('fit task exceeded its 1.5s time limit');
    expect(timeLimitMessage('aggregate', 600_000)).toBe('aggregate job exceeded its 10min time limit');
    expect(timeLimitMessage('halving', 90_000)).toBe('halving step exceeded its 90s time limit');
    expect(timeLimitMessage('refit', 14_400_000)).toBe('refit job exceeded its 4h time limit');
  });
});

describe('JobTimeLimits', () => {
  const store = new ExperimentStore(redis, prefix);
  const limits = new JobTimeLimits(redis, { fit: 1000, aggregate: 2000, refit: 3000 });

  it("gives each kind the worker's limit when the spec sets none; a halving step has the aggregate's", async () => {
    await store.create('plain', spec());
    expect(await Promise.all((['fit', 'aggregate', 'halving', 'refit'] as const).map((k) => limits.limitMs(data(k, 'plain'))))).toEqual([1000, 2000, 2000, 3000]);
  });

  it("takes a spec's fit_s and refit_s (seconds) over the worker's", async () => {
    await store.create('own', spec({ fit_s: 2.5, refit_s: 60 }));
    expect(await Promise.all((['fit', 'aggregate', 'refit'] as const).map((k) => limits.limitMs(data(k, 'own'))))).toEqual([2500, 2000, 60_000]);
  });

  it('gives a batch of fits (spec batch_size) the fit limit once per fit', async () => {
    const batch = { ...data('fit', 'own'), task: { index: 0, fold: 0, cells: [3, 4, 5], batch: true } } as JobData;
    expect(await limits.limitMs(batch)).toBe(3 * 2500);
    expect(await limits.limitMs({ ...batch, experimentId: 'plain' })).toBe(3 * 1000);
  });

  it("falls back to the worker's limit for an experiment it cannot read", async () => {
    expect(await limits.limitMs(data('fit', 'missing'))).toBe(1000);
  });

  it('defaults to 2 h per fit task, 10 min per aggregate, 4 h per refit', () => {
    expect(DEFAULT_TIME_LIMITS).toEqual({ fit: 7_200_000, aggregate: 600_000, refit: 14_400_000 });
  });
});
