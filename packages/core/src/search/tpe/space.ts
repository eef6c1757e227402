import type { Params, ParamValue } from '../../estimators/base.js';
import { paramIssues, spaceIssues, STEP_SLACK, type ParamSpace, type SpaceParam } from '../../spec/param-space.js';

export type { ParamSpace, SpaceParam } from '../../spec/param-space.js';

/** A parameter's distribution, normalised (Optuna's FloatDistribution / IntDistribution / CategoricalDistribution). */
export type Dist =
  | { kind: 'float'; low: number; high: number; log: boolean; step: number | null }
  | { kind: 'int'; low: number; high: number; log: boolean; step: number }
  | { kind: 'categorical'; choices: ParamValue[]; keys: string[] };

/** Issues' path segments as a dotted path. */
function dotted(at: string, path: Array<string | number>): string {
  return [at, ...path].join('.');
}

/** The normalised distribution of a valid parameter. @throws RangeError naming the parameter if it is not valid */
export function toDist(p: SpaceParam, at = 'param'): Dist {
  const issues = paramIssues(p);
  if (issues.length) throw new RangeError(`${dotted(at, issues[0].path)}: ${issues[0].message}`);
  if (Array.isArray(p)) return { kind: 'categorical', choices: p, keys: p.map(valueKey) };
  if ('float' in p) {
    const [low, high] = p.float;
    return { kind: 'float', low, high, log: p.log === true, step: p.step ?? null };
  }
  const [low, high] = p.int;
  return { kind: 'int', low, high, log: p.log === true, step: p.step ?? 1 };
}

/** A ParamValue as a comparable key: JSON, with object keys sorted. */
export function valueKey(v: ParamValue): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}

/** Whether the distribution has one value only (Optuna's `single()`: then it is never sampled). */
export function isSingle(d: Dist): boolean {
  if (d.kind === 'categorical') return d.choices.length === 1;
  // A step divides high - low (checked), so a numeric range is single only when low = high.
  return d.low === d.high;
}

/** The only value of a single distribution. */
export function singleValue(d: Dist): ParamValue {
  return d.kind === 'categorical' ? d.choices[0] : d.low;
}

/**
 * A value's internal representation (Optuna's `to_internal_repr`): the choice's index for a
 * categorical, the number itself otherwise; undefined if the value is not in the domain.
 */
export function toInternal(d: Dist, v: ParamValue): number | undefined {
  if (d.kind === 'categorical') {
    const i = d.keys.indexOf(valueKey(v));
    return i < 0 ? undefined : i;
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v < d.low || v > d.high) return undefined;
  if (d.kind === 'int') return Number.isInteger(v) && (v - d.low) % d.step === 0 ? v : undefined;
  if (d.step !== null) {
    const k = (v - d.low) / d.step;
    if (Math.abs(k - Math.round(k)) > STEP_SLACK * Math.max(1, k)) return undefined;
  }
  return v;
}

/** A subspace, normalised: its parameters in sorted order (the order they are sampled in). */
export interface Subspace {
  names: string[];
  dists: Dist[];
}

/** The space's subspaces, each with its parameters sorted by name. @throws RangeError naming the first bad parameter */
export function normaliseSpace(space: ParamSpace): Subspace[] {
  const issues = spaceIssues(space);
  if (issues.length) throw new RangeError(`${dotted('param_space', issues[0].path)}: ${issues[0].message}`);
  const dicts = Array.isArray(space) ? space : [space];
  return dicts.map((dict) => {
    const names = Object.keys(dict).sort();
    return { names, dists: names.map((n) => toDist(dict[n], n)) };
  });
}

/** The first subspace whose parameters are exactly the params' names, every value in its domain; -1 if none. */
export function subspaceOf(subspaces: Subspace[], params: Params): number {
  const keys = Object.keys(params);
  return subspaces.findIndex(
    (s) => s.names.length === keys.length && s.names.every((n, j) => n in params && toInternal(s.dists[j], params[n]) !== undefined),
  );
}
