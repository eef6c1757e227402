import { gridSize, type ParamGridSpec } from '../search/parameter-grid.js';
import { samplerSize, type ParamDistributions } from '../search/parameter-sampler.js';
import type { ExperimentSpec } from '../spec/schema.js';
import type { SpecIssue } from '../spec/validate.js';
import { resolveCv } from './plan.js';

/** Default most fits (candidates x folds) a spec may ask for; the API's default limit too. */
export const MAX_CELL_FOLDS = 20_000;
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
  const source = random ? 'param_distributions' : 'param_grid';
  const dicts = random ? spec.param_distributions : spec.param_grid;
  const values = dicts === undefined ? 0 : [dicts].flat().reduce((n, dict) => n + Object.values(dict).reduce((m: number, v) => m + (Array.isArray(v) ? v.length : 1), 0), 0);
  if (values > MAX_SEARCH_VALUES) return [{ path: source, message: `lists ${values} values in all, more than the limit of ${MAX_SEARCH_VALUES}` }];

  const folds = resolveCv(spec)?.n_splits ?? 1;
  let path: string = source;
  let what: string;
  let candidates: number;
  if (spec.search.kind === 'random') {
    if (!spec.param_distributions) return [];
    candidates = samplerSize(spec.param_distributions as ParamDistributions, spec.search.n_iter);
    if (candidates === spec.search.n_iter) path = 'search.n_iter';
    what = candidates === spec.search.n_iter ? `n_iter ${candidates}` : `${count(candidates)} cells`;
  } else {
    candidates = gridSize(spec.param_grid as ParamGridSpec | undefined);
    what = `${count(candidates)} cells`;
  }
  const fits = candidates * folds;
  if (fits <= maxCellFolds) return [];
  if (folds > maxCellFolds) path = 'cv';
  return [{ path, message: `${what} x ${folds} folds = ${count(fits)} fits, more than the limit of ${maxCellFolds}` }];
}

/** A count for a message: exact while it is, else its magnitude. */
function count(n: number): string {
  if (Number.isSafeInteger(n)) return String(n);
  return Number.isFinite(n) ? `about ${n.toPrecision(3)}` : 'more than 1e308';
}
