import { ParameterLimitError, UnknownParameterError, type ParamValue } from '../estimators/base.js';
import { buildEstimator, type EstimatorSpec } from '../estimators/registry.js';
import { distributionValues, type Distribution } from '../search/parameter-sampler.js';
import type { SpecIssue } from '../spec/validate.js';

/**
 * Parameters of a search that make the spec wrong, found from the spec's lists, never from
 * its cells: names the estimator does not have, and values over one of gridfold's limits
 * (ParameterLimitError). One estimator is built per distinct value to check; for numbers only
 * the smallest and largest, as limits are ranges. Other bad values are not reported: as in
 * scikit-learn, they fail their cells. The spec's size was checked first (checkSearchSize),
 * which bounds this work.
 * @param source - where the dicts are in the spec
 */
export function checkSearchParams(
  estimator: EstimatorSpec,
  source: 'param_grid' | 'param_distributions' | 'param_space',
  dicts: Record<string, Distribution> | Array<Record<string, Distribution>>,
): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const unknown = new Set<string>();
  const list = Array.isArray(dicts) ? dicts : [dicts];
  list.forEach((dict, i) => {
    const at = Array.isArray(dicts) ? `${source}.${i}` : source;
    for (const [name, distribution] of Object.entries(dict)) {
      if (unknown.has(name)) continue;
      for (const value of valuesToCheck(distributionValues(distribution))) {
        const err = buildError(estimator, name, value);
        if (err instanceof UnknownParameterError) unknown.add(name);
        if (err instanceof UnknownParameterError || err instanceof ParameterLimitError) {
          issues.push({ path: `${at}.${name}`, message: err.message });
          break;
        }
      }
    }
  });
  return issues;
}

/** The first value (for unknown names), then the smallest and largest number and every distinct other value. */
function valuesToCheck(values: ParamValue[]): ParamValue[] {
  const numbers = values.filter((v): v is number => typeof v === 'number');
  const ends = numbers.length ? [numbers.reduce((a, b) => Math.min(a, b)), numbers.reduce((a, b) => Math.max(a, b))] : [];
  const others = new Map(values.filter((v) => typeof v !== 'number').map((v) => [JSON.stringify(v), v]));
  return [...new Set([values[0], ...ends, ...others.values()])];
}

function buildError(estimator: EstimatorSpec, name: string, value: ParamValue): unknown {
  try {
    buildEstimator(estimator, { [name]: value });
    return null;
  } catch (err) {
    return err;
  }
}
