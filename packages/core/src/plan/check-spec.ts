import { InvalidParameterError, UnknownEstimatorError, UnknownParameterError, type Params } from '../estimators/base.js';
import { buildEstimator } from '../estimators/registry.js';
import { SCORERS } from '../metrics/scorers.js';
import { candidatesOf } from '../search/candidates.js';
import type { Candidates } from '../search/parameter-grid.js';
import type { ExperimentSpec } from '../spec/schema.js';
import { parseSpec, SpecError, type SpecIssue } from '../spec/validate.js';
import { checkOof } from './check-oof.js';

/**
 * Everything that can be known wrong about a spec before any data is loaded: its shape
 * (parseSpec), estimator and step names, parameter names in the grid, and combinations
 * that cannot run. A bad parameter *value* is not an error here: like scikit-learn, it
 * fails its cell and is recorded per error_score.
 * @throws SpecError naming every bad field.
 */
export function checkSpec(input: unknown): ExperimentSpec {
  const spec = parseSpec(input);
  const issues: SpecIssue[] = [];
  try {
    buildEstimator(spec.estimator);
  } catch (err) {
    if (err instanceof UnknownEstimatorError) issues.push({ path: err.path, message: err.message });
    else if (err instanceof UnknownParameterError || !(err instanceof InvalidParameterError)) issues.push({ path: 'estimator', message: (err as Error).message });
  }
  const source = spec.search.kind === 'random' ? 'param_distributions' : 'param_grid';
  if (spec.search.kind === 'random' && !spec.param_distributions) issues.push({ path: 'param_distributions', message: 'is required with search.kind "random"' });
  if (spec.search.kind === 'random' && spec.param_grid) issues.push({ path: 'param_grid', message: 'is for search.kind "grid"; a random search draws from param_distributions' });
  if (spec.search.kind === 'grid' && spec.param_distributions) issues.push({ path: 'param_distributions', message: 'needs search: {kind: "random", n_iter, random_state}' });
  let grid: Candidates | undefined;
  if (issues.length === 0) {
    try {
      grid = candidatesOf(spec);
    } catch (err) {
      issues.push({ path: source, message: (err as Error).message });
    }
  }
  if (grid && issues.length === 0) {
    for (const [name, value] of firstValues(grid)) {
      try {
        buildEstimator(spec.estimator, { [name]: value });
      } catch (err) {
        if (err instanceof UnknownParameterError) issues.push({ path: `${source}.${name}`, message: err.message });
      }
    }
    if (spec.cv === null && grid.size > 1) issues.push({ path: 'cv', message: `is null (no cross-validation) but param_grid has ${grid.size} cells; a search needs cv` });
    if (spec.oof && grid.size > 1) issues.push({ path: 'oof', message: `out-of-fold outputs are for one estimator (cross_val_predict); param_grid has ${grid.size} cells` });
  }
  if (spec.cv === null && spec.refit === false) issues.push({ path: 'refit', message: 'is false and cv is null: the experiment would do nothing' });
  if (spec.oof && spec.cv === null) issues.push({ path: 'oof', message: 'out-of-fold outputs need cv' });
  if (spec.oof) issues.push(...checkOof(spec.oof, spec.dataset.target?.kind ?? 'multiclass'));
  if (SCORERS[spec.scoring].needs === 'decision_function' && spec.dataset.target?.kind !== 'binary') {
    issues.push({ path: 'scoring', message: `${spec.scoring} needs a binary target (dataset.target.kind "binary")` });
  }
  if (issues.length) throw new SpecError(issues);
  return spec;
}

/** One value of each parameter name the candidates use: from the first cell that has it. */
function firstValues(grid: Candidates): Map<string, Params[string]> {
  const wanted = new Set(grid.paramNames);
  const found = new Map<string, Params[string]>();
  for (const cell of grid) {
    for (const [name, value] of Object.entries(cell)) if (!found.has(name)) found.set(name, value);
    if (found.size === wanted.size) break;
  }
  return found;
}
