import { DEFAULT_MAX_CELL_FOLDS } from '../config/config.js';
import { gridSize, type ParamGridSpec } from '../search/parameter-grid.js';
import { samplerSize, type ParamDistributions } from '../search/parameter-sampler.js';
import type { ExperimentSpec } from '../spec/schema.js';
import type { SpecIssue } from '../spec/validate.js';
import { resolveCv } from './plan.js';

/** Default most fits (candidates x folds) a spec may ask for; the API's default limit too (the config's default). */
export const MAX_CELL_FOLDS = DEFAULT_MAX_CELL_FOLDS;
/**
 * Most values a search may list in all (list entries, plus one per distribution object):
 * checkSpec builds an estimator per distinct value, so this bounds its work.
 */
export const MAX_SEARCH_VALUES = 10_000;

/**
 * Whether the search is small enough to plan, by arithmetic alone (no cell is made or
 * visited): candidates x folds at most `maxCellFolds`, and at most {@link MAX_SEARCH_VALUES}
 * values listed. A random search counts n_iter draws (or the cells of an all-list grid when fewer).
 */
export function checkSearchSize(spec: ExperimentSpec, maxCellFolds: number): SpecIssue[] {
  const random = spec.search.kind === 'random';
  const tpe = spec.search.kind === 'tpe';
  const source = random ? 'param_distributions' : tpe ? 'param_space' : 'param_grid';
  const values = listedValues(random ? spec.param_distributions : tpe ? spec.param_space : spec.param_grid);
  if (values > MAX_SEARCH_VALUES) return [{ path: source, message: `lists ${values} values in all, more than the limit of ${MAX_SEARCH_VALUES}` }];
  const size = searchSize(spec);
  if (!size) return [];
  const folds = resolveCv(spec)?.n_splits ?? 1;
  const fits = size.candidates * folds;
  if (fits <= maxCellFolds) return [];
  return [{ path: folds > maxCellFolds ? 'cv' : size.path, message: `${size.what} x ${folds} folds = ${count(fits)} fits, more than the limit of ${maxCellFolds}` }];
}

/** How many candidates the spec's search has, where that number comes from, and how to say it; undefined for a random search without distributions. */
function searchSize(spec: ExperimentSpec): { candidates: number; path: string; what: string } | undefined {
  if (spec.search.kind === 'tpe') return { candidates: spec.search.n_trials, path: 'search.n_trials', what: `n_trials ${spec.search.n_trials}` };
  if (spec.search.kind !== 'random') {
    const cells = gridSize(spec.param_grid as ParamGridSpec | undefined);
    return { candidates: cells, path: 'param_grid', what: `${count(cells)} cells` };
  }
  if (!spec.param_distributions) return undefined;
  const nIter = spec.search.n_iter;
  const candidates = samplerSize(spec.param_distributions as ParamDistributions, nIter);
  return candidates === nIter ? { candidates, path: 'search.n_iter', what: `n_iter ${nIter}` } : { candidates, path: 'param_distributions', what: `${count(candidates)} cells` };
}

/** List entries, plus one per distribution object, over every dict. */
function listedValues(dicts: ExperimentSpec['param_grid'] | ExperimentSpec['param_distributions'] | ExperimentSpec['param_space']): number {
  if (dicts === undefined) return 0;
  let n = 0;
  for (const dict of Array.isArray(dicts) ? dicts : [dicts]) for (const v of Object.values(dict)) n += Array.isArray(v) ? v.length : 1;
  return n;
}

/** A count for a message: exact while it is, else its magnitude. */
function count(n: number): string {
  if (Number.isSafeInteger(n)) return String(n);
  return Number.isFinite(n) ? `about ${n.toPrecision(3)}` : 'more than 1e308';
}
