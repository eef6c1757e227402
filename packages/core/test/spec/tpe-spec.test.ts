import { describe, expect, it } from 'vitest';
import '../../src/estimators/builtins.js';
import { checkSpec } from '../../src/plan/check-spec.js';
import { planExperiment } from '../../src/plan/plan.js';
import { parseSpec } from '../../src/spec/validate.js';
import { specIssues } from './spec-issues.js';

const base = { name: 'x', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, cv: 3 };
const tpe = { ...base, search: { kind: 'tpe', n_trials: 30 }, param_space: { n_neighbors: { int: [1, 30] }, weights: ['uniform', 'distance'] } };

describe('TPE search in a spec', () => {
  it('parses search {kind: "tpe"} with Optuna 3.1 defaults and a param_space', () => {
    const spec = parseSpec(tpe);
    expect(spec.search).toEqual({ kind: 'tpe', n_trials: 30, n_startup_trials: 10, n_ei_candidates: 24, seed: 0, constant_liar: true, parallel: 8 });
    expect(spec.param_space).toEqual(tpe.param_space);
    const conditional = [{ C: { float: [1e-3, 1e3], log: true }, kernel: ['linear'] }, { C: { float: [1e-3, 1e3], log: true }, gamma: { float: [1e-4, 1], log: true, step: undefined }, kernel: ['rbf'] }];
    expect(() => parseSpec({ ...tpe, param_space: conditional })).not.toThrow();
  });

  it('names the field of every bad bound, log and step', () => {
    const found = specIssues(() =>
      parseSpec({
        ...tpe,
        param_space: [
          {
            a: { float: [2, 1] },
            b: { float: [0, 1], log: true },
            c: { int: [0, 8], log: true },
            d: { int: [1, 10], step: 4 },
            e: { float: [1, 2], log: true, step: 0.5 },
            f: { int: [1.5, 3] },
            g: { float: [0, 1], step: -1 },
            h: [],
            i: { uniform: [0, 1] },
          },
        ],
      }),
    );
    const byPath = Object.fromEntries(found.map((i) => [i.path, i.message]));
    expect(byPath['param_space.0.a.float']).toBe('low 2 is above high 1');
    expect(byPath['param_space.0.b.float']).toBe('log: true needs low > 0, got 0');
    expect(byPath['param_space.0.c.int']).toBe('log: true needs low >= 1, got 0');
    expect(byPath['param_space.0.d.step']).toContain('4 does not divide high - low = 9');
    expect(byPath['param_space.0.e.step']).toContain('cannot go with log: true');
    expect(byPath['param_space.0.f.int']).toBe('must be [low, high], two finite integers');
    expect(byPath['param_space.0.g.step']).toBe('must be a positive number, got -1');
    expect(byPath['param_space.0.h']).toBe('a categorical parameter needs at least one choice');
    expect(byPath['param_space.0.i']).toBe('must be a list of choices, {float: [low, high], log?, step?} or {int: [low, high], log?, step?}');
    expect(found).toHaveLength(9);
    expect(specIssues(() => parseSpec({ ...tpe, param_space: 'C' }))).toEqual([{ path: 'param_space', message: expect.stringContaining('an object of parameters') }]);
    expect(specIssues(() => parseSpec({ ...tpe, param_space: { C: { float: [0, 1], lg: true } } }))).toEqual([{ path: 'param_space.C', message: 'unknown field(s) "lg"' }]);
    expect(specIssues(() => parseSpec({ ...tpe, search: { kind: 'tpe' } }))[0].path).toBe('search.n_trials');
  });

  it('checks names and sizes; a study plans no fixed candidates and no tasks up front (it must not be planned as a grid)', () => {
    expect(checkSpec(tpe).search.kind).toBe('tpe');
    expect(specIssues(() => checkSpec({ ...tpe, param_space: { n_neighbours: { int: [1, 3] } } }))[0].path).toBe('param_space.n_neighbours');
    expect(specIssues(() => checkSpec({ ...tpe, param_space: undefined }))[0]).toEqual({ path: 'param_space', message: 'is required with search.kind "tpe"' });
    expect(specIssues(() => checkSpec({ ...tpe, param_grid: { n_neighbors: [1] } })).map((i) => i.path)).toContain('param_grid');
    expect(specIssues(() => checkSpec({ ...base, param_space: tpe.param_space }))[0]).toEqual({ path: 'param_space', message: 'needs search: {kind: "tpe", n_trials}' });
    expect(specIssues(() => checkSpec({ ...tpe, search: { kind: 'tpe', n_trials: 10_000 } }))[0]).toEqual({ path: 'search.n_trials', message: expect.stringContaining('n_trials 10000 x 3 folds = 30000 fits') });
    const plan = planExperiment(checkSpec(tpe));
    expect([plan.grid.size, plan.tasks.length]).toEqual([0, 0]);
  });
});
