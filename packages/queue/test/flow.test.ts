import { checkSpec, planTasks } from '@gridfold/core';
import type { FlowJob } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { buildFlow, buildHalvingRound, buildHalvingStart, buildRefitJob, jobKind } from '../src/flow.js';
import { QUEUE } from '../src/names.js';

const spec = checkSpec({
  name: 'flow',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { n_neighbors: [3, 4, 5], weights: ['uniform', 'distance'] },
  cv: { n_splits: 3 },
});
const plan = planTasks(spec);

/** Every job of a flow tree, parents first. */
function jobsOf(flow: FlowJob): FlowJob[] {
  return [flow, ...(flow.children ?? []).flatMap(jobsOf)];
}

describe('flow jobs', () => {
  it('puts every job on the one queue', () => {
    const flows = [buildFlow('e', 'p', plan), buildHalvingStart('e', 'p'), buildHalvingRound('e', 'p', 1, plan.tasks), buildRefitJob('e', 'p')];
    const jobs = flows.flatMap(jobsOf);
    expect(new Set(jobs.map((j) => j.queueName))).toEqual(new Set([QUEUE]));
  });

  it('names each job by its kind first', () => {
    const [refit, aggregate, ...fits] = jobsOf(buildFlow('e', 'p', plan));
    expect([jobKind(refit.name), jobKind(aggregate.name), ...new Set(fits.map((f) => jobKind(f.name)))]).toEqual(['refit', 'aggregate', 'fit']);
    expect(fits[0].name).toBe(`fit · fold ${plan.tasks[0].fold} · cells ${plan.tasks[0].cells.join(',')}`);
    expect(jobKind(buildHalvingStart('e', 'p').name)).toBe('halving');
    expect(jobKind('refit')).toBe('refit');
    expect(() => jobKind('refitting')).toThrow('job name must start with fit, aggregate, halving, refit, got "refitting"');
  });
});
