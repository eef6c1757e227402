import type { ExperimentSpec } from '../spec/schema.js';
import { ParameterGrid, type Candidates, type ParamGridSpec } from './parameter-grid.js';
import { ParameterSampler, type ParamDistributions } from './parameter-sampler.js';

/** What a spec says about its candidates. */
export type CandidateSpec = Pick<ExperimentSpec, 'search' | 'param_grid' | 'param_distributions'>;

/**
 * The spec's candidates: param_grid's cells, or n_iter draws from param_distributions.
 * @throws RangeError for a halving search given param_distributions, a malformed grid, or a
 * TPE search (its candidates are proposed one by one from the trials so far: search/tpe/).
 */
export function candidatesOf(spec: CandidateSpec): Candidates {
  if (spec.search.kind === 'tpe') throw new RangeError('a TPE search has no fixed candidates: its trials are proposed one at a time (TpeSampler)');
  if (spec.search.kind === 'halving' && spec.param_distributions) throw new RangeError('a halving search takes param_grid (HalvingGridSearchCV), not param_distributions');
  if (spec.search.kind === 'random') return new ParameterSampler(spec.param_distributions as ParamDistributions, spec.search.n_iter, spec.search.random_state);
  return new ParameterGrid(spec.param_grid as ParamGridSpec | undefined);
}
