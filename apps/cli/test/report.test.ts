import { failedResult, type ExperimentResult } from '@gridfold/core';
import { describe, expect, it } from 'vitest';
import { studyText } from '../src/follow.js';
import { formatResult, studyProgressLine } from '../src/report.js';

// A hand-made two-cell result: every number is chosen so its printed form is easy to check by
// eye (toFixed(5) for scores, toFixed(3) + "s" for fit times, total in seconds to 1 decimal).
const result: ExperimentResult = {
  id: 'e1',
  name: 'knn',
  status: 'completed',
  cv_results: {
    params: [{ n_neighbors: 3, weights: 'uniform' }, { n_neighbors: 4, weights: 'distance' }],
    param_n_neighbors: [3, 4],
    param_weights: ['uniform', 'distance'],
    mean_test_score: [0.9, 0.94421],
    std_test_score: [0.0125, null],
    rank_test_score: [2, 1],
    mean_fit_time: [1.5, 0.25],
    std_fit_time: [0, 0],
    mean_score_time: [0, 0],
    std_score_time: [0, 0],
  },
  best_params: { n_neighbors: 4, weights: 'distance' },
  best_score: 0.94421,
  best_index: 1,
  test: { accuracy: 0.9714 },
  metrics: { precision: 0.5, roc_curve: { fpr: [0, 1], tpr: [0, 1] } },
  errors: [],
  timings: { total_ms: 12_345, cv_ms: 0, refit_ms: 0, test_ms: 0 },
  tasks: { done: 6, total: 6 },
};

describe('formatResult', () => {
  it('prints the cv_results table with the best row starred, nulls as nan, then best, test and metrics (curves left out)', () => {
    expect(formatResult(result).split('\n')).toEqual([
      'experiment knn (e1): completed',
      '',
      'rank  n_neighbors  weights     mean_test_score  std_test_score  mean_fit_time',
      '2     3            "uniform"   0.90000          0.01250         1.500s       ',
      '1 *   4            "distance"  0.94421          nan             0.250s       ',
      '',
      'best_params {"n_neighbors":4,"weights":"distance"}',
      'best_score  0.94421',
      'test        accuracy=0.9714',
      'precision   0.5',
      'total       12.3s',
    ]);
  });

  it('prints class names and the test examples by name when the labels were names', () => {
    const named: ExperimentResult = {
      ...result,
      classes: ['cat', 'dog'],
      test_examples: [
        { index: 0, input: [1, 2], target: 'cat', prediction: 'cat' },
        { index: 1, input: [3, 4], target: 'dog', prediction: 'cat' },
      ],
      metrics: { confusion_matrix: [[1, 0], [1, 0]], confusion_matrix_labels: ['cat', 'dog'] },
    };
    expect(formatResult(named).split('\n').slice(7, 13)).toEqual([
      'best_score  0.94421',
      'classes     ["cat","dog"]',
      'test        accuracy=0.9714',
      'example 0   true "cat", predicted "cat"',
      'example 1   true "dog", predicted "cat"',
      'confusion_matrix [[1,0],[1,0]]',
    ]);
    expect(formatResult(named)).toContain('confusion_matrix_labels ["cat","dog"]');
  });

  it('names the first failed cell and how many failed', () => {
    const failing = { ...result, errors: [{ cell: 1, fold: 2, error: 'n_neighbors must be <= 4, got 5' }, { cell: 1, fold: 0, error: 'again' }] };
    expect(formatResult(failing).split('\n')).toContain('2 failed cell(s); first: cell 1 fold 2: n_neighbors must be <= 4, got 5');
  });

  it('prints an objective\'s extra metrics as mean_test_<name> columns, and one line each for its learning curves and the refit\'s', () => {
    // A two-cell, two-fold objective returning {score, loss}: split and std columns of loss stay out of the table.
    const objective: ExperimentResult = {
      ...result,
      name: 'cnn',
      cv_results: {
        params: [{ filters: 4 }, { filters: 8 }],
        param_filters: [4, 8],
        mean_test_score: [0.9, 0.94421],
        std_test_score: [0.0125, null],
        rank_test_score: [2, 1],
        mean_fit_time: [1.5, 0.25],
        std_fit_time: [0, 0],
        mean_score_time: [0, 0],
        std_score_time: [0, 0],
        mean_test_loss: [0.61234567, null],
        std_test_loss: [0.01, null],
        split0_test_loss: [0.6, null],
      },
      best_params: { filters: 8 },
      test: null,
      metrics: {},
      curves: [
        { cell: 0, fold: 0, steps: [1, 2, 3], values: [0.5, 0.6, 0.7] },
        { cell: 0, fold: 1, steps: [1, 2], values: [0.5, 0.6] },
        { cell: 1, fold: 0, steps: [0, 1, 2, 3], values: [0.1, 0.5, 0.6, 0.7] },
      ],
      refit_curve: [[1, 0.5], [2, 0.75]],
    };
    expect(formatResult(objective).split('\n')).toEqual([
      'experiment cnn (e1): completed',
      '',
      'rank  filters  mean_test_score  std_test_score  mean_test_loss  mean_fit_time',
      '2     4        0.90000          0.01250         0.61235         1.500s       ',
      '1 *   8        0.94421          nan             nan             0.250s       ',
      '',
      'best_params {"filters":8}',
      'best_score  0.94421',
      'curves      3 (cell, fold) series, steps 0..3',
      'refit_curve steps 1..2, last value 0.75',
      'total       12.3s',
    ]);
    expect(formatResult({ ...objective, curves: [{ cell: 0, fold: 0, steps: [7], values: [1] }], refit_curve: undefined })).toContain('curves      1 (cell, fold) series, step 7');
    // A lockstep trial's two folds and their mean (hand-made curves).
    const lockstep = [{ cell: 0, fold: 0, steps: [1, 2], values: [0.5, 0.6] }, { cell: 0, fold: 1, steps: [1, 2], values: [0.7, 0.8] }, { cell: 0, fold: 'mean' as const, steps: [1, 2], values: [0.6, 0.7] }];
    expect(formatResult({ ...objective, curves: lockstep, refit_curve: undefined })).toContain('curves      2 (cell, fold) series, 1 fold means, steps 1..2');
  });

  it('prints a failed experiment as its status and reason, with no table', () => {
    expect(formatResult(failedResult('e2', 'knn', 'dataset not found', 500)).split('\n')).toEqual(['experiment knn (e2): failed — dataset not found', 'total       0.5s']);
  });

  it('prints a study\'s trial number and state (a pruned trial with the step it was stopped at) before the rank', () => {
    const study: ExperimentResult = {
      ...result,
      name: 'tpe',
      cv_results: {
        params: [{ x: 2.5 }, { x: -4 }, { x: 3.25 }],
        param_x: [2.5, -4, 3.25],
        mean_test_score: [0.99, null, null],
        std_test_score: [0.001, null, null],
        rank_test_score: [1, 2, 2],
        mean_fit_time: [0.5, 0.125, null],
        std_fit_time: [0, 0, null],
        mean_score_time: [0, 0, null],
        std_score_time: [0, 0, null],
        trial_state: ['complete', 'pruned', 'failed'],
        pruned_step: [null, 3, null],
        pruned_value: [null, 0.25, null],
      },
      best_params: { x: 2.5 },
      best_score: 0.99,
      best_index: 0,
      test: null,
      metrics: {},
    };
    expect(formatResult(study).split('\n').slice(2, 6)).toEqual([
      'trial  state     rank  x     mean_test_score  std_test_score  mean_fit_time',
      '0      complete  1 *   2.5   0.99000          0.00100         0.500s       ',
      '1      pruned@3  2     -4    nan              nan             0.125s       ',
      '2      failed    2     3.25  nan              nan             nan          ',
    ]);
    // Not a study: no trial or state column.
    expect(formatResult(result).split('\n')[2]).toMatch(/^rank /);
  });

  it('says how a study\'s trials stand on the progress line: ended of n_trials, pruned (failed when any), running, best so far', () => {
    expect(studyProgressLine({ ended: 7, complete: 5, pruned: 2, failed: 0, running: 3, best: 0.9812345 }, 12)).toBe('7/12 trials ended (2 pruned) · 3 running · best 0.98123');
    expect(studyProgressLine({ ended: 2, complete: 0, pruned: 1, failed: 1, running: 1, best: null }, 12)).toBe('2/12 trials ended (1 pruned, 1 failed) · 1 running · best –');
    // From the API's view of a running study: partial cv_results carry each trial's state; the best is over complete trials only.
    const cv = { trial_state: ['complete', 'pruned', 'running', 'complete', 'running'], mean_test_score: [0.5, null, null, 0.75, null] } as unknown as NonNullable<ExperimentResult['cv_results']>;
    expect(studyText({ cv_results: cv }, 3, 12)).toBe('3/12 trials ended (1 pruned) · 2 running · best 0.75000');
    // Before the first trial is recorded.
    expect(studyText({ cv_results: null }, 0, 12)).toBe('0/12 trials ended (0 pruned) · 0 running · best –');
  });
});
