import { checkSpec } from '@gridfold/core';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { RetentionSweeper } from '../src/retention.js';
import { openTestApp } from './helpers/test-app.js';

// Ages are hand-chosen offsets from now, in days.
const checked = checkSpec({ name: 'retention', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, cv: 3, refit: false });
const DAY = 86_400_000;
const silent = pino({ level: 'silent' });

describe('RetentionSweeper', () => {
  const t = openTestApp();
  afterAll(() => t.cleanup());
  const sweeper = (retentionDays: number, options = {}) => new RetentionSweeper({ redis: t.redis, store: t.store, shards: t.shards, prefix: t.prefix, log: silent }, { retentionDays, ...options });

  it('deletes ended experiments older than the retention; of two APIs, only the one holding the lock sweeps in an interval', async () => {
    const now = Date.now();
    for (const [id, age] of [['old', 31], ['young', 29]] as const) {
      await t.store.create(id, checked, now - age * DAY);
      await t.store.finish(id, 'completed', {}, now - age * DAY);
    }
    const [a, b] = [sweeper(30), sweeper(30)];
    expect(await a.sweep(now)).toMatchObject({ purged: ['old'], kept: [] });
    expect(await b.sweep(now)).toBeNull();
    expect(await a.sweep(now)).toBeNull();
    expect(await t.store.list()).toEqual(['young']);
  });

  it('runs by itself once started, and not at all with a retention of 0', async () => {
    await t.redis.del(`${t.prefix}:retention:lock`);
    await t.store.create('older', checked, Date.now() - 2 * DAY);
    await t.store.finish('older', 'failed', { error: 'boom' }, Date.now() - 2 * DAY);
    const off = sweeper(0, { firstSweepMs: 1 });
    off.start();
    await new Promise((r) => setTimeout(r, 200));
    expect(await t.store.status('older')).toBe('failed');
    const on = sweeper(1, { firstSweepMs: 1, intervalMs: 60_000 });
    on.start();
    try {
      await expect.poll(() => t.store.status('older'), { timeout: 5000 }).toBeNull();
    } finally {
      on.close();
      off.close();
    }
  });
});
