import type { ExperimentSpec } from '../spec/schema.js';

/** A halving search's settings (`search` with kind "halving"). */
export type HalvingSettings = Extract<ExperimentSpec['search'], { kind: 'halving' }>;

/** The resources of a successive-halving search, as HalvingGridSearchCV computes them up front. */
export interface HalvingSchedule {
  /** Training rows available (the CV subset): scikit-learn's max_resources_. */
  max_resources: number;
  min_resources: number;
  n_iterations: number;
  n_required_iterations: number;
  n_possible_iterations: number;
  /** Training rows per round. */
  resources: number[];
}

/**
 * HalvingGridSearchCV's schedule with training samples as the resource: min_resources
 * "smallest" = 2 x n_splits x n_classes; "exhaust" raises it so the last round uses as many
 * rows as possible; rounds = min(possible, required) unless aggressive_elimination.
 * @param nClasses - classes in the CV rows (1 for a matrix target)
 * @throws RangeError when min_resources is more than the rows available.
 */
export function halvingSchedule(h: HalvingSettings, maxResources: number, nSplits: number, nClasses: number, nCandidates: number): HalvingSchedule {
  let minResources = typeof h.min_resources === 'number' ? h.min_resources : nSplits * 2 * nClasses;
  const log = (x: number) => Math.log(x) / Math.log(h.factor);
  const required = 1 + Math.floor(log(nCandidates));
  if (h.min_resources === 'exhaust') minResources = Math.max(minResources, Math.floor(maxResources / h.factor ** (required - 1)));
  if (minResources > maxResources) throw new RangeError(`search.min_resources (${minResources}) is more than the ${maxResources} training rows available`);
  const possible = 1 + Math.floor(log(Math.floor(maxResources / minResources)));
  const iterations = h.aggressive_elimination ? required : Math.min(possible, required);
  const resources = Array.from({ length: iterations }, (_, itr) => {
    const power = h.aggressive_elimination ? Math.max(0, itr - required + possible) : itr;
    return Math.min(Math.trunc(h.factor ** power * minResources), maxResources);
  });
  return { max_resources: maxResources, min_resources: minResources, n_iterations: iterations, n_required_iterations: required, n_possible_iterations: possible, resources };
}
