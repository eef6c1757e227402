import { randomUUID } from 'node:crypto';
import { checkSpec, planExperiment } from '@gridfold/core';
import { FlowProducer, Queue, Worker, type FlowJob } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../src/connection.js';
import { buildExperimentFlow, buildFlow, fitPriority, buildHalvingRound, buildHalvingStart, buildRefitJob, PRIORITY, type JobData } from '../src/flow.js';
import { QUEUE } from '../src/names.js';

const spec = checkSpec({
  name: 'flow',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { n_neighbors: [3, 4, 5], weights: ['uniform', 'distance'] },
  cv: { n_splits: 3 },
});
const plan = planExperiment(spec);
const run = { generation: 0, fingerprint: 'f0' };

/** Every job of a flow tree, parents first. */
function jobsOf(flow: FlowJob): FlowJob[] {
  return [flow, ...(flow.children ?? []).flatMap(jobsOf)];
}

describe('flow jobs', () => {
  it('puts every job on the one queue, fit tasks behind the steps an experiment ends with', () => {
    const flows = [buildFlow('e', 'p', plan, run), buildHalvingStart('e', 'p', run), buildHalvingRound('e', 'p', 1, plan.tasks, run), buildRefitJob('e', 'p', run)];
    const jobs = flows.flatMap(jobsOf);
    expect(new Set(jobs.map((j) => j.queueName))).toEqual(new Set([QUEUE]));
    // A fit task's priority is its turn among the experiment's tasks (fair sharing: fitPriority), always behind the steps.
    for (const j of jobs) {
      const d = j.data as JobData;
      expect(j.opts?.priority, j.name).toBe(d.kind === 'fit' ? fitPriority(d.task.index) : PRIORITY.step);
    }
    expect(PRIORITY.step).toBeLessThan(PRIORITY.fit);
  });

  it('carries each job\'s kind, generation and data fingerprint in its data; names are labels for people', () => {
    const [refit, aggregate, ...fits] = jobsOf(buildFlow('e', 'p', plan, { generation: 2, fingerprint: 'f2' }));
    const data = (j: FlowJob) => j.data as JobData;
    expect([data(refit).kind, data(aggregate).kind, ...new Set(fits.map((f) => data(f).kind))]).toEqual(['refit', 'aggregate', 'fit']);
    expect(new Set([refit, aggregate, ...fits].map((j) => `${data(j).generation} ${data(j).fingerprint}`))).toEqual(new Set(['2 f2']));
    const chain = [buildHalvingStart('e', 'p', { generation: 2, fingerprint: 'f2' }), ...jobsOf(buildHalvingRound('e', 'p', 0, plan.tasks, { generation: 2, fingerprint: 'f2' })), buildRefitJob('e', 'p', { generation: 2, fingerprint: 'f2' })];
    expect(new Set(chain.map((j) => `${data(j).generation} ${data(j).fingerprint}`))).toEqual(new Set(['2 f2']));
    expect(fits.map((f) => (data(f) as Extract<JobData, { kind: 'fit' }>).task)).toEqual(plan.tasks);
    expect(fits[0].name).toBe(`fit · fold ${plan.tasks[0].fold} · cells ${plan.tasks[0].cells.join(',')}`);
    expect(buildHalvingStart('e', 'p', run).data).toEqual({ experimentId: 'e', prefix: 'p', generation: 0, fingerprint: 'f0', kind: 'halving', round: -1 });
  });

  it('starts a halving search as a chain and any other search as one flow', () => {
    const halving = planExperiment(checkSpec({ ...spec, search: { kind: 'halving' } }));
    const retry = { generation: 1, fingerprint: 'f1' };
    expect(buildExperimentFlow('e', 'p', halving, retry)).toEqual(buildHalvingStart('e', 'p', retry));
    expect(buildExperimentFlow('e', 'p', plan, retry, { only: [1] })).toEqual(buildFlow('e', 'p', plan, retry, { only: [1] }));
  });
});

describe('job order on the queue (real Redis)', () => {
  const prefix = `test-${randomUUID()}`;
  const connection = connectRedis();
  const queue = new Queue(QUEUE, { connection, prefix });
  const producer = new FlowProducer({ connection, prefix });
  afterAll(async () => {
    await producer.close();
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  });

  it('runs an experiment step added behind a backlog of fit tasks before them', async () => {
    await producer.add(buildFlow('backlog', prefix, plan, run));
    await producer.add(buildHalvingStart('late', prefix, run));
    await producer.add(buildRefitJob('late', prefix, run));
    const ran: string[] = [];
    const total = plan.tasks.length + 4;
    const worker = new Worker(QUEUE, async (job) => void ran.push(`${job.data.experimentId} ${(job.data as JobData).kind}`), { connection, prefix, concurrency: 1 });
    await new Promise<void>((resolve) => worker.on('completed', () => ran.length === total && resolve()));
    await worker.close();
    const fits = Array.from(plan.tasks, () => 'backlog fit');
    expect(ran).toEqual(['late halving', 'late refit', ...fits, 'backlog aggregate', 'backlog refit']);
  });
});
