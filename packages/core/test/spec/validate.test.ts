import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/spec/validate.js';
import { specIssues } from './spec-issues.js';

const ok = { name: 'x', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' } };

function issues(input: unknown) {
  return specIssues(() => parseSpec(input));
}

describe('spec validation', () => {
  it('fills scikit-learn defaults (cv=5, accuracy, error_score NaN, refit)', () => {
    expect(parseSpec(ok)).toMatchObject({ cv: 5, scoring: 'accuracy', error_score: null, refit: true, group_cells: true });
  });

  it('names a spec without a name after its estimator (the last step of a Pipeline)', () => {
    const { name: _n, ...unnamed } = ok;
    expect(parseSpec(unnamed).name).toBe('kneighborsclassifier');
    const pipeline = { ...unnamed, estimator: { name: 'Pipeline', steps: [{ name: 'StandardScaler' }, { name: 'SGDClassifier' }] } };
    expect(parseSpec(pipeline).name).toBe('pipeline-sgdclassifier');
    expect(parseSpec(ok).name).toBe('x');
  });

  it('names every bad field with what is allowed', () => {
    const found = issues({ ...ok, name: 'a b', scoring: 'acc', cv: 'x', extra: 1 });
    expect(found.map((i) => i.path).sort()).toEqual(['', 'cv', 'name', 'scoring']);
    expect(found.find((i) => i.path === 'scoring')!.message).toContain('must be one of "accuracy"');
    expect(found.find((i) => i.path === '')!.message).toBe('unknown field(s) "extra"');
  });

  it('rejects shuffled folds without a seed (workers must rebuild identical folds)', () => {
    expect(issues({ ...ok, cv: { n_splits: 3, shuffle: true } })[0].path).toBe('cv.random_state');
  });

  it('takes an integer label or a class name as the positive class of a binary target', () => {
    const binary = (positive: unknown) => ({ ...ok, dataset: { source: 'csv', train: 't.csv', label: 'y', target: { kind: 'binary', positive } } });
    expect(parseSpec(binary('cat')).dataset.target).toEqual({ kind: 'binary', positive: 'cat' });
    expect(parseSpec(binary(5)).dataset.target).toEqual({ kind: 'binary', positive: 5 });
    for (const bad of [1.5, '', null]) {
      expect(issues(binary(bad))).toEqual([{ path: 'dataset.target.positive', message: expect.stringContaining('an integer label or a class name') }]);
    }
  });

  it('requires steps for a Pipeline and no steps otherwise', () => {
    expect(issues({ ...ok, estimator: { name: 'Pipeline' } })[0]).toEqual({ path: 'estimator.steps', message: 'a Pipeline needs "steps": [{name, params}, ...]' });
  });
});
