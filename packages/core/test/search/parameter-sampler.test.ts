import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/runner/run-local.js';
import { ParameterSampler } from '../../src/search/parameter-sampler.js';

/** scikit-learn 1.2.1 ParameterSampler draws, written by fixtures/make_search_fixtures.py. */
const fixtures = JSON.parse(readFileSync(new URL('../../../../fixtures/search/parameter_sampler.json', import.meta.url), 'utf8')) as Record<
  string,
  { distributions: never; n_iter: number; random_state: number; expected: Array<Record<string, unknown>> }
>;

describe('ParameterSampler', () => {
  for (const [name, f] of Object.entries(fixtures)) {
    it(`draws scikit-learn's candidates (${name})`, () => {
      const got = Array.from(new ParameterSampler(f.distributions, f.n_iter, f.random_state));
      expect(got).toHaveLength(f.expected.length);
      got.forEach((g, i) => {
        for (const [key, want] of Object.entries(f.expected[i])) {
          // loguniform goes through pow(), whose last bit may differ between V8 and the C library.
          if (typeof want === 'number' && !Number.isInteger(want)) expect(g[key] as number).toBeCloseTo(want, 15);
          else expect(g[key]).toEqual(want);
        }
      });
    });
  }

  it('runs a randomized search with cv_results in scikit-learn layout', async () => {
    const r = await runExperiment({
      name: 'random',
      dataset: { source: 'mnist' },
      estimator: { name: 'KNeighborsClassifier' },
      search: { kind: 'random', n_iter: 4, random_state: 1 },
      param_distributions: { n_neighbors: { randint: [1, 10] }, weights: ['uniform', 'distance'] },
      cv: { n_splits: 3, subset: 600 },
      refit: false,
    });
    expect(r.status, r.error).toBe('completed');
    const expected = Array.from(new ParameterSampler({ n_neighbors: { randint: [1, 10] }, weights: ['uniform', 'distance'] }, 4, 1));
    expect(r.cv_results!.params).toEqual(expected);
    expect(r.cv_results!.rank_test_score).toHaveLength(4);
    expect(r.best_params).toEqual(expected[r.best_index!]);
  });

  it('rejects a random search without distributions, naming the field', async () => {
    await expect(runExperiment({ name: 'x', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, search: { kind: 'random' } })).rejects.toThrow('param_distributions: is required');
  });
});
