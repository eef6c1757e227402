import { checkSpec, planExperiment } from '@gridfold/core';
import { describe, expect, it } from 'vitest';
import { runStepIds, runTaskIds, stepFailure } from '../src/run-jobs.js';
import type { HalvingState } from '../src/store.js';

// Hand-made plans and halving states: 2 cells x 3 folds, ungrouped, is 6 tasks (0..5).
const grid = planExperiment(
  checkSpec({ name: 'ids', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, param_grid: { n_neighbors: [1, 3] }, cv: 3, group_cells: false }),
);
const halvingPlan = planExperiment(
  checkSpec({ name: 'ids', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, param_grid: { n_neighbors: [1, 3] }, cv: 3, search: { kind: 'halving' } }),
);
const halving = {
  schedule: {},
  rounds: [
    { iter: 0, n_resources: 10, candidates: [], task_offset: 0, tasks: 3 },
    { iter: 1, n_resources: 30, candidates: [], task_offset: 3, tasks: 2 },
  ],
} as unknown as HalvingState;

describe('run job ids', () => {
  it('names every step a run may have, parents first, in that run', () => {
    expect(runStepIds('e', 2, null)).toEqual(['e.g2.refit', 'e.g2.aggregate', 'e.g2.gate', 'e.g2.h-start']);
    expect(runStepIds('e', 0, halving)).toEqual(['e.g0.refit', 'e.g0.aggregate', 'e.g0.gate', 'e.g0.h1', 'e.g0.h0', 'e.g0.h-start']);
  });

  it("names a grid's tasks by the plan, a halving search's by the rounds planned so far", () => {
    expect(runTaskIds('e', 1, grid, null)).toEqual(['e.g1.t0', 'e.g1.t1', 'e.g1.t2', 'e.g1.t3', 'e.g1.t4', 'e.g1.t5']);
    expect(runTaskIds('e', 0, halvingPlan, null)).toEqual([]);
    expect(runTaskIds('e', 0, halvingPlan, halving)).toEqual(['e.g0.t0', 'e.g0.t1', 'e.g0.t2', 'e.g0.t3', 'e.g0.t4']);
  });

  it('says which step failed and why', () => {
    expect(stepFailure('aggregate', 'out of memory')).toBe('aggregate job failed: out of memory');
  });
});
