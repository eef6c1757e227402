import { describe, expect, it } from 'vitest';
import { aggregateResults } from '../../src/aggregate/aggregate.js';
import { ParameterGrid } from '../../src/search/parameter-grid.js';
import type { Plan } from '../../src/plan/plan.js';

const grid = new ParameterGrid({ k: [1, 2, 3] });
const plan: Pick<Plan, 'grid' | 'cv' | 'tasks'> = {
  grid,
  cv: { kind: 'kfold', n_splits: 2, shuffle: false, random_state: null, subset: null },
  tasks: [0, 1].flatMap((fold) => [0, 1, 2].map((cell) => ({ index: fold * 3 + cell, fold, cells: [cell] }))),
};
const result = (task: number, fold: number, cell: number, score: number | null, error?: string) => ({
  task,
  fold,
  ms: 1,
  cells: [{ cell, test_score: score, fit_ms: 1000, score_ms: 500, error }],
});

describe('aggregateResults', () => {
  it('computes means, population stds and min-ranks as GridSearchCV (hand-computed)', () => {
    const s = aggregateResults(plan, [
      result(0, 0, 0, 0.5), result(1, 0, 1, 0.75), result(2, 0, 2, 0.75),
      result(3, 1, 0, 0.7), result(4, 1, 1, 0.75), result(5, 1, 2, 0.75),
    ]);
    // cell 0: mean (0.5 + 0.7) / 2 = 0.6, std 0.1; cells 1, 2 tie at 0.75 -> both rank 1, best = first.
    expect(s.cv_results.mean_test_score[0]).toBeCloseTo(0.6, 15);
    expect(s.cv_results.std_test_score[0]).toBeCloseTo(0.1, 15);
    expect(s.cv_results.rank_test_score).toEqual([3, 1, 1]);
    expect(s.best_index).toBe(1);
    expect(s.best_params).toEqual({ k: 2 });
    expect(s.cv_results.mean_fit_time).toEqual([1, 1, 1]);
    expect(s.cv_results.split1_test_score).toEqual([0.7, 0.75, 0.75]);
    expect(s.cv_results.param_k).toEqual([1, 2, 3]);
  });

  it('ranks failed (NaN) cells last, records their errors, and counts a duplicated task once', () => {
    const s = aggregateResults(plan, [
      result(0, 0, 0, null, 'bad param'), result(1, 0, 1, 0.8), result(2, 0, 2, 0.6),
      result(3, 1, 0, null, 'bad param'), result(4, 1, 1, 0.8), result(5, 1, 2, 0.6),
      result(4, 1, 1, 0.1),
    ]);
    expect(s.cv_results.mean_test_score).toEqual([null, 0.8, 0.6]);
    expect(s.cv_results.rank_test_score).toEqual([3, 1, 2]);
    expect(s.errors).toEqual([{ cell: 0, fold: 0, error: 'bad param' }, { cell: 0, fold: 1, error: 'bad param' }]);
    expect(s.tasks_done).toBe(6);
  });

  it('gives partial cv_results with nulls and no best while tasks are missing', () => {
    const s = aggregateResults(plan, [result(0, 0, 0, 0.5)]);
    expect(s.cv_results.split0_test_score).toEqual([0.5, null, null]);
    expect(s.cv_results.mean_test_score).toEqual([null, null, null]);
    expect(s.best_index).toBeNull();
    expect([s.tasks_done, s.tasks_total]).toEqual([1, 6]);
  });
});
