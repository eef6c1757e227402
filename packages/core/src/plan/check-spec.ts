import { InvalidParameterError, ParameterLimitError, UnknownEstimatorError, UnknownParameterError, type ParamValue } from '../estimators/base.js';
import { buildEstimator, type EstimatorSpec } from '../estimators/registry.js';
import { pluginsLoaded } from './plugin-shas.js';
import { DATA_PATH_FIELDS } from '../datasets/source-fingerprint.js';
import { isObjective } from '../plugins/objective.js';
import { SCORERS } from '../metrics/scorers.js';
import { candidatesOf } from '../search/candidates.js';
import type { Distribution } from '../search/parameter-sampler.js';
import { spaceParamValues, type SpaceParam } from '../spec/param-space.js';
import type { ExperimentSpec } from '../spec/schema.js';
import { parseSpec, SpecError, type SpecIssue } from '../spec/validate.js';
import { checkOof } from './check-oof.js';
import { checkSearchParams } from './check-search-params.js';
import { checkSearchSize, MAX_CELL_FOLDS } from './check-search-size.js';

/** Limits a spec is checked against. */
export interface CheckSpecOptions {
  /** Most fits (candidates x folds) the spec may ask for. @defaultValue {@link MAX_CELL_FOLDS} (20,000) */
  maxCellFolds?: number;
}

/**
 * Everything that can be known wrong about a spec before any data is loaded: its shape
 * (parseSpec), its size (checked by arithmetic before anything visits a cell), estimator and
 * step names, parameter names in the grid, values over gridfold's resource limits, and
 * combinations that cannot run. Any other bad parameter *value* is not an error here: like
 * scikit-learn, it fails its cell and is recorded per error_score.
 * @throws SpecError naming every bad field.
 */
export function checkSpec(input: unknown, options: CheckSpecOptions = {}): ExperimentSpec {
  const spec = parseSpec(input);
  // First, before anything below can visit a cell: a search too big to plan is refused by arithmetic.
  const issues: SpecIssue[] = checkSearchSize(spec, options.maxCellFolds ?? MAX_CELL_FOLDS);
  issues.push(...checkArtifactRefs(spec));
  // A spec's own estimators are known only where its plugins are loaded (a worker, the API's
  // plugin check): elsewhere what depends on them waits for that check.
  const deferred = !pluginsLoaded(spec);
  let objective = false;
  try {
    if (!deferred) objective = isObjective(buildEstimator(spec.estimator));
  } catch (err) {
    if (err instanceof UnknownEstimatorError) issues.push({ path: err.path, message: err.message });
    else if (err instanceof ParameterLimitError) issues.push({ path: limitPath(spec.estimator, err), message: err.message });
    else if (err instanceof UnknownParameterError || !(err instanceof InvalidParameterError)) issues.push({ path: 'estimator', message: (err as Error).message });
  }
  const tpe = spec.search.kind === 'tpe';
  const source = spec.search.kind === 'random' ? 'param_distributions' : tpe ? 'param_space' : 'param_grid';
  if (spec.search.kind === 'random' && !spec.param_distributions) issues.push({ path: 'param_distributions', message: 'is required with search.kind "random"' });
  if (spec.search.kind === 'random' && spec.param_grid) issues.push({ path: 'param_grid', message: 'is for search.kind "grid"; a random search draws from param_distributions' });
  if (spec.search.kind === 'grid' && spec.param_distributions) issues.push({ path: 'param_distributions', message: 'needs search: {kind: "random", n_iter, random_state}' });
  if (tpe && !spec.param_space) issues.push({ path: 'param_space', message: 'is required with search.kind "tpe"' });
  if (tpe && spec.param_grid) issues.push({ path: 'param_grid', message: 'is for search.kind "grid"; a TPE search proposes from param_space' });
  if (tpe && spec.param_distributions) issues.push({ path: 'param_distributions', message: 'is for search.kind "random"; a TPE search proposes from param_space ({float: [low, high]}, {int: [low, high]}, lists)' });
  if (!tpe && spec.param_space) issues.push({ path: 'param_space', message: 'needs search: {kind: "tpe", n_trials}' });
  const dicts = spec.search.kind === 'random' ? spec.param_distributions : tpe ? spaceValues(spec.param_space) : spec.param_grid;
  if (issues.length === 0 && dicts && !deferred) issues.push(...checkSearchParams(spec.estimator, source, dicts as Record<string, Distribution>));
  if (issues.length === 0 && tpe) {
    if (spec.cv === null) issues.push({ path: 'cv', message: 'is null (no cross-validation), but a TPE search scores each trial by cross-validation' });
    if (spec.oof) issues.push({ path: 'oof', message: 'out-of-fold outputs are for one estimator (cross_val_predict), not a TPE search' });
  } else if (issues.length === 0) {
    try {
      const size = candidatesOf(spec).size;
      if (spec.cv === null && size > 1) issues.push({ path: 'cv', message: `is null (no cross-validation) but param_grid has ${size} cells; a search needs cv` });
      if (spec.oof && size > 1) issues.push({ path: 'oof', message: `out-of-fold outputs are for one estimator (cross_val_predict); param_grid has ${size} cells` });
    } catch (err) {
      issues.push({ path: source, message: (err as Error).message });
    }
  }
  if (spec.cv === null && spec.refit === false) issues.push({ path: 'refit', message: 'is false and cv is null: the experiment would do nothing' });
  if (spec.oof && spec.cv === null) issues.push({ path: 'oof', message: 'out-of-fold outputs need cv' });
  if (spec.oof) issues.push(...checkOof(spec.oof, spec.dataset.target?.kind ?? 'multiclass'));
  if (objective && spec.oof) issues.push({ path: 'oof', message: `${spec.estimator.name} is an objective: it returns a score, not the predictions out-of-fold outputs are made of` });
  if (!objective && SCORERS[spec.scoring].needs === 'decision_function' && spec.dataset.target?.kind !== 'binary') {
    issues.push({ path: 'scoring', message: `${spec.scoring} needs a binary target (dataset.target.kind "binary")` });
  }
  if (spec.pruner && spec.pruner.kind !== 'none' && !tpe) issues.push({ path: 'pruner', message: 'needs search: {kind: "tpe", n_trials}: only a study\'s trials report as they go' });
  if (issues.length) throw new SpecError(issues);
  return spec;
}

/** A TPE space as lists of the values that stand for each parameter (choices, or a range's ends), for the name and limit checks. */
function spaceValues(space: ExperimentSpec['param_space']): Record<string, ParamValue[]> | Array<Record<string, ParamValue[]>> | undefined {
  if (!space) return undefined;
  const values = (dict: Record<string, SpaceParam>) => Object.fromEntries(Object.entries(dict).map(([name, p]) => [name, spaceParamValues(p)]));
  return Array.isArray(space) ? space.map(values) : values(space);
}

/** Every plugin names its artifact; every artifact entry is a plugin or a dataset file of the spec. */
function checkArtifactRefs(spec: ExperimentSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const plugins = spec.plugins ?? [];
  plugins.forEach((ref, i) => {
    if (plugins.indexOf(ref) !== i) issues.push({ path: `plugins.${i}`, message: `lists ${JSON.stringify(ref)} twice` });
    else if (!spec.artifacts?.[ref]) {
      issues.push({ path: `plugins.${i}`, message: `${JSON.stringify(ref)} has no artifacts entry: plugins run from uploaded bundles (gridfold run bundles, uploads and names them)` });
    }
  });
  const files = new Set<string>(plugins);
  for (const field of DATA_PATH_FIELDS) {
    const value = (spec.dataset as Record<string, unknown>)[field];
    if (typeof value === 'string') files.add(value);
  }
  for (const key of Object.keys(spec.artifacts ?? {})) {
    if (!files.has(key)) issues.push({ path: `artifacts.${key}`, message: `is neither a plugin nor a dataset file of this spec (those are: ${[...files].map((f) => JSON.stringify(f)).join(', ') || 'none'})` });
  }
  return issues;
}

/** Where an over-limit value of the spec's estimator stands: its params, a step's params, or the estimator as a whole. */
function limitPath(estimator: EstimatorSpec, err: ParameterLimitError): string {
  const name = err.param;
  if (name === undefined) return 'estimator';
  if (estimator.params && name in estimator.params) return `estimator.params.${name}`;
  const step = estimator.steps?.findIndex((s) => s.params && name in s.params) ?? -1;
  return step >= 0 ? `estimator.steps.${step}.params.${name}` : 'estimator';
}
