import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../src/connection.js';
import { keys } from '../src/names.js';
import { StudyStore, studyCurves } from '../src/study-store.js';

// Real Redis (127.0.0.1:6379 or REDIS_URL), a unique prefix deleted at the end.
const redis = connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `test-study-${randomUUID()}`;
afterAll(async () => {
  const found = await redis.keys(`${prefix}:*`);
  if (found.length) await redis.del(...found);
  redis.disconnect();
});

describe('StudyStore', () => {
  it('records a trial\'s params once: a second delivery runs with the first one\'s', async () => {
    const study = new StudyStore(redis, prefix);
    expect(await study.begin('e1', 0, { x: 1 })).toEqual({ number: 0, params: { x: 1 }, state: 'running' });
    expect(await study.begin('e1', 0, { x: 2 })).toEqual({ number: 0, params: { x: 1 }, state: 'running' });
  });

  it('records how a trial ended once, counting it once, however many deliveries end it', async () => {
    const study = new StudyStore(redis, prefix);
    await study.begin('e2', 0, { x: 1 });
    await study.begin('e2', 1, { x: 2 });
    expect(await study.end('e2', { number: 0, params: { x: 1 }, state: 'complete', value: 0.5 })).toBe(1);
    // The same trial ended again (a redelivery after its record, or its job's final failure): refused, not counted.
    expect(await study.end('e2', { number: 0, params: { x: 1 }, state: 'failed' })).toBeNull();
    expect(await study.end('e2', { number: 1, params: { x: 2 }, state: 'pruned', pruned: { fold: 0, step: 3, value: 0.1 } })).toBe(2);
    expect(await study.ended('e2')).toBe(2);
    expect((await study.trials('e2')).map((t) => t.state)).toEqual(['complete', 'pruned']);
    expect(await redis.hget(keys(prefix).experiment('e2'), 'trials_done')).toBe('2');
  });

  it('keeps the first estimate of a fold\'s pruner (concurrent trials may both make one)', async () => {
    const study = new StudyStore(redis, prefix);
    expect(await study.savePruning('e3', 0, 1, [0.5], { minResource: 2 })).toEqual({ minResource: 2 });
    expect(await study.savePruning('e3', 1, 1, [0.4], { minResource: 5 })).toEqual({ minResource: 2 });
    const r = await study.reports('e3');
    expect(r.rungs.get('0:1')).toEqual([0.5]);
    expect(r.pruner.get('1')).toEqual({ minResource: 2 });
  });

  it('stores a trial\'s curves under their fold labels, the mean\'s among them, each replacing the last (a trial run again stores each step once)', async () => {
    const study = new StudyStore(redis, prefix);
    await study.saveCurves('e4', 0, [[0, [[1, 0.5], [2, 0.6]]], [1, [[1, 0.7], [2, 0.8]]], ['mean', [[1, 0.6], [2, 0.7]]]]);
    // The trial again from its first step, after its worker died.
    await study.saveCurves('e4', 0, [[0, [[1, 0.5]]], [1, [[1, 0.7]]], ['mean', [[1, 0.6]]]]);
    const { curves } = await study.reports('e4');
    expect(studyCurves(curves).sort((a, b) => String(a.fold).localeCompare(String(b.fold)))).toEqual([
      { cell: 0, fold: 0, steps: [1], values: [0.5] },
      { cell: 0, fold: 1, steps: [1], values: [0.7] },
      { cell: 0, fold: 'mean', steps: [1], values: [0.6] },
    ]);
  });
});
