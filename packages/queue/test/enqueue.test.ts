import { randomUUID } from 'node:crypto';
import { checkSpec, planExperiment } from '@gridfold/core';
import { FlowProducer, Queue, Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../src/connection.js';
import { enqueueFlow } from '../src/enqueue.js';
import { buildFlow, type JobData } from '../src/flow.js';
import { jobIds, QUEUE } from '../src/names.js';

// A huge flow added in chunks (enqueue.ts), on a real Redis with a real BullMQ worker that
// records the order it ran the jobs in.
const spec = checkSpec({
  name: 'enqueue',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { n_neighbors: [1, 2, 3, 4, 5], weights: ['uniform', 'distance'] },
  cv: { n_splits: 2 },
  group_cells: false,
});
const plan = planExperiment(spec);
const run = { generation: 0, fingerprint: 'f0' };
const prefix = `test-${randomUUID()}`;
const connection = connectRedis();
const producer = new FlowProducer({ connection, prefix });
const queue = new Queue(QUEUE, { connection, prefix });
afterAll(async () => {
  await queue.obliterate({ force: true });
  await producer.close();
  await queue.close();
  connection.disconnect();
});

/** Runs every job of the queue as it comes, recording `kind[:task]`, until `until` has run. */
function record(until: (ran: string[]) => boolean): { ran: string[]; done: Promise<void>; worker: Worker } {
  const ran: string[] = [];
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const worker = new Worker(
    QUEUE,
    async (job) => {
      const d = job.data as JobData;
      ran.push(d.kind === 'fit' ? `fit:${d.task.index}` : d.kind);
      if (until(ran)) resolve();
    },
    { connection, prefix, concurrency: 4 },
  );
  return { ran, done, worker };
}

describe('enqueueFlow', () => {
  it('adds a flow with at most a chunk of tasks at once, with no gate', async () => {
    const { rest } = await enqueueFlow(producer, queue, buildFlow('small', prefix, plan, run), { chunk: plan.tasks.length });
    expect(rest).toBeNull();
    expect(await queue.getJob(jobIds.gate('small'))).toBeUndefined();
    expect(await queue.getJobCountByTypes('prioritized', 'waiting')).toBe(plan.tasks.length);
    await queue.obliterate({ force: true });
  });

  it('adds a larger one in chunks: the aggregate runs after every task of every chunk, the gate released last', async () => {
    expect(plan.tasks.length).toBe(20);
    const { ran, done, worker } = record((r) => r.includes('refit'));
    const { rest } = await enqueueFlow(producer, queue, buildFlow('big', prefix, plan, run), { chunk: 3 });
    expect(rest).not.toBeNull();
    await rest;
    await done;
    await worker.close();
    const fits = ran.filter((r) => r.startsWith('fit:'));
    expect(fits.sort()).toEqual(plan.tasks.map((t) => `fit:${t.index}`).sort());
    expect(ran.slice(-2)).toEqual(['aggregate', 'refit']);
    expect(ran).toContain('gate');
    // The aggregate waited on all 20 tasks and the gate.
    const aggregate = await queue.getJob(jobIds.aggregate('big'));
    expect(Object.keys(await aggregate!.getChildrenValues())).toHaveLength(21);
    await queue.obliterate({ force: true });
  });

  it('stops adding when the experiment is no longer wanted; the gate then lets the aggregate run with what was added', async () => {
    const { ran, done, worker } = record((r) => r.includes('refit'));
    let asked = 0;
    const { rest } = await enqueueFlow(producer, queue, buildFlow('cut', prefix, plan, run), { chunk: 5, gateDelayMs: 300, stillWanted: async () => ++asked < 2 });
    await rest;
    await done;
    await worker.close();
    // The first chunk with the flow, one more, then no more: 10 of the 20 tasks, then the gate (after its delay), the aggregate and the refit.
    expect(asked).toBe(2);
    expect(ran.filter((r) => r.startsWith('fit:'))).toHaveLength(10);
    expect(ran.slice(-3)).toEqual(['gate', 'aggregate', 'refit']);
  });
});
