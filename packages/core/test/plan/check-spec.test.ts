import { describe, expect, it } from 'vitest';
import '../../src/estimators/builtins.js';
import { checkSpec } from '../../src/plan/check-spec.js';
import { SpecError, type SpecIssue } from '../../src/spec/validate.js';

const base = { name: 'x', dataset: { source: 'mnist' }, estimator: { name: 'SGDClassifier' }, cv: 3 };
const binary = { source: 'mnist', target: { kind: 'binary', positive: 5 } };

function issues(input: unknown): SpecIssue[] {
  try {
    checkSpec(input);
  } catch (err) {
    if (err instanceof SpecError) return err.issues;
    throw err;
  }
  return [];
}

describe('checkSpec', () => {
  it('names an unknown estimator or step by its place in the spec', () => {
    expect(issues({ ...base, estimator: { name: 'SGD' } })).toEqual([{ path: 'estimator.name', message: expect.stringMatching(/must be one of .*"SGDClassifier".*, got "SGD"$/) }]);
    const steps = { name: 'Pipeline', steps: [{ name: 'MinMaxScaler' }, { name: 'SGDClassifier' }] };
    expect(issues({ ...base, estimator: steps })).toEqual([{ path: 'estimator.steps.0.name', message: 'estimator.steps.0.name must be one of "StandardScaler", got "MinMaxScaler"' }]);
  });

  it('names a grid parameter the estimator does not have; a bad value only fails its cell', () => {
    expect(issues({ ...base, param_grid: { alpha: [0.1], nope: [1] } }).map((i) => i.path)).toEqual(['param_grid.nope']);
    expect(issues({ ...base, param_grid: { alpha: [-1] } })).toEqual([]);
  });

  it('checks what out-of-fold metrics need before any work is done', () => {
    const oof = (o: object, dataset: object = binary) => issues({ ...base, dataset, oof: o }).map((i) => `${i.path}: ${i.message}`);
    expect(oof({ methods: ['predict'], metrics: ['roc_auc'] })).toEqual(['oof.metrics.0: roc_auc needs oof.methods to include "decision_function" or "predict_proba"']);
    expect(oof({ methods: ['decision_function'], metrics: ['f1'] })).toEqual(['oof.metrics.0: f1 needs oof.methods to include "predict"']);
    expect(oof({ methods: ['predict'], threshold: 0.5 })).toEqual(['oof.threshold: needs oof.methods to include "decision_function" or "predict_proba"']);
    expect(oof({ methods: ['predict'], threshold_for_precision: 0.9 })).toEqual(['oof.threshold_for_precision: needs oof.methods to include "decision_function" or "predict_proba"']);
    expect(oof({ methods: ['predict'], metrics: ['precision'] }, { source: 'mnist' })).toEqual([
      'oof.metrics.0: precision is for binary targets (dataset.target.kind "binary"); use f1_macro or f1_weighted',
    ]);
    const multilabel = { source: 'mnist', target: { kind: 'multilabel', labels: ['large', 'odd'] } };
    expect(oof({ methods: ['predict'], error_pairs: [[3, 5]] }, multilabel)).toEqual([
      'oof.error_pairs: needs class-label predictions (oof.methods "predict", and a binary or multiclass target)',
    ]);
    // The seeds' own combinations pass: scores cut at a threshold stand in for predictions.
    expect(oof({ methods: ['predict_proba'], threshold: 0.5, metrics: ['confusion_matrix', 'f1', 'roc_auc'] })).toEqual([]);
    expect(oof({ methods: ['predict'], metrics: ['f1_macro'] }, multilabel)).toEqual([]);
  });
});
