import { randomUUID } from 'node:crypto';
import { checkSpec, planExperiment, type TaskResult } from '@gridfold/core';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectRedis } from '../src/connection.js';
import { buildFlow } from '../src/flow.js';
import { jobIds, keys } from '../src/names.js';
import { runTaskIds } from '../src/run-jobs.js';
import { ExperimentStore } from '../src/store.js';

// The parts of tasks split by their queries (issue #17) on the shared Redis, under a fresh prefix.

const spec = checkSpec({ name: 'parts', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, cv: 3 });
const run = { generation: 0, fingerprint: '' };
const result: TaskResult = { task: 1, fold: 1, cells: [{ cell: 0, test_score: 0.5, fit_ms: 1, score_ms: 1 }], ms: 2 };

const redis = connectRedis();
afterAll(() => redis.disconnect());
let prefix: string;
let store: ExperimentStore;
beforeEach(() => {
  prefix = `test-parts-${randomUUID()}`;
  store = new ExperimentStore(redis, prefix);
});
afterEach(async () => {
  const found = await redis.keys(`${prefix}:*`);
  if (found.length) await redis.del(...found);
});

describe('task parts in the store', () => {
  it('counts each part once, however often it is stored, and the count names the merger', async () => {
    await store.create('e', spec);
    expect(await store.savePart('e', 1, 0, 0, new Uint8Array([1]))).toBe(1);
    // A redelivered part 0 (its first bytes stay) counts nothing new.
    expect(await store.savePart('e', 1, 0, 0, new Uint8Array([9]))).toBe(1);
    expect(await store.savePart('e', 1, 0, 1, new Uint8Array([2]))).toBe(2);
    // A redelivered part that knows it is stored sends nothing and learns the count; nothing is stored for it.
    expect(await store.savePart('e', 1, 0, 1, null)).toBe(2);
    expect(await store.savePart('e', 1, 0, 2, null)).toBe(2);
    expect(await store.hasPart('e', 1, 0, 2)).toBe(false);
    // Another task's parts are counted apart.
    expect(await store.savePart('e', 4, 0, 0, new Uint8Array([3]))).toBe(1);
    expect((await store.parts('e', 1, 0, 2)).map((b) => Array.from(b!))).toEqual([[1], [2]]);
    expect(await store.hasPart('e', 1, 0, 1)).toBe(true);
    await store.deleteParts('e', 1, 0, 2);
    expect(await store.parts('e', 1, 0, 2)).toEqual([null, null]);
    expect(await redis.hkeys(keys(prefix).parts('e'))).toEqual(['4:g0:p0', '4:g0:n']);
  });

  it('drops a run\'s parts when the experiment is retried, and refuses parts of a run that is not the current one', async () => {
    await store.create('e', spec);
    expect(await store.savePart('e', 1, 0, 0, new Uint8Array([1]))).toBe(1);
    await store.finish('e', 'cancelled');
    const { generation } = await store.reopen('e', '');
    expect(generation).toBe(1);
    // Generation 0's part 0 would never be merged now: it is gone, not kept until a purge.
    expect(await redis.exists(keys(prefix).parts('e'))).toBe(0);
    // A part job of generation 0 still running when the retry came stores nothing (-2: stale).
    expect(await store.savePart('e', 1, 0, 1, new Uint8Array([2]))).toBe(-2);
    expect(await store.savePart('e', 1, 2, 0, new Uint8Array([2]))).toBe(-2);
    expect(await redis.exists(keys(prefix).parts('e'))).toBe(0);
    // The current run's parts are stored and counted as before.
    expect(await store.savePart('e', 1, 1, 0, new Uint8Array([3]))).toBe(1);
    expect(await redis.hkeys(keys(prefix).parts('e'))).toEqual(['1:g1:p0', '1:g1:n']);
  });

  it('stores nothing for a task whose result is stored or an experiment that is gone; purge deletes the parts', async () => {
    await store.create('e', spec);
    await store.savePart('e', 2, 0, 0, new Uint8Array([1]));
    await store.endTask('e', result, run);
    expect(await store.savePart('e', 1, 0, 0, new Uint8Array([1]))).toBe(-1);
    expect(await store.savePart('gone', 1, 0, 0, new Uint8Array([1]))).toBe(-1);
    expect(await redis.exists(keys(prefix).parts('gone'))).toBe(0);
    await store.purge('e');
    expect(await redis.exists(keys(prefix).parts('e'))).toBe(0);
  });

  it('records the part count at submit; flows and cancels name the same part jobs', async () => {
    await store.create('e', spec);
    expect(await store.taskParts('e')).toBe(1);
    await store.setTaskParts('e', 2);
    expect(await store.taskParts('e')).toBe(2);
    const plan = planExperiment(spec);
    const flow = buildFlow('e', prefix, plan, run, { parts: 2 });
    const ids = flow.children![0].children!.map((j) => j.opts!.jobId);
    expect(ids).toEqual(runTaskIds('e', 0, plan, null, 2));
    expect(ids).toEqual([0, 1, 2].flatMap((t) => [jobIds.taskPart('e', t, 0), jobIds.taskPart('e', t, 1)]));
    expect(flow.children![0].children!.map((j) => j.data.part)).toEqual([0, 1, 2].flatMap(() => [{ index: 0, count: 2 }, { index: 1, count: 2 }]));
  });
});
