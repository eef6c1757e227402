import { checkSpec } from '@gridfold/core';
import { describe, expect, it } from 'vitest';
import { planOfRecord } from '../src/record-plan.js';

// 700 SGD cells x 3 folds = 2,100 single fits: "auto" batches them 2 to a task (1,050 tasks).
const spec = checkSpec({
  name: 'stored',
  dataset: { source: 'mnist' },
  estimator: { name: 'SGDClassifier' },
  param_grid: { alpha: Array.from({ length: 700 }, (_, i) => 1e-5 * (i + 1)) },
  cv: 3,
  refit: false,
});

describe('planOfRecord', () => {
  it('plans a stored spec as it was planned when it was taken: batched now, one fit a task before batch_size existed', () => {
    expect(planOfRecord({ spec }).tasks).toHaveLength(1050);
    // A record stored by a version without batch_size: its spec, checked then, has no such field.
    const { batch_size: _, ...older } = spec;
    const plan = planOfRecord({ spec: older as typeof spec });
    expect(plan.tasks).toHaveLength(2100);
    expect(plan.tasks.every((t) => t.cells.length === 1 && !t.batch)).toBe(true);
  });
});
