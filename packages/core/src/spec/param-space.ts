import type { ParamValue } from '../estimators/base.js';

/**
 * One parameter of a TPE search space (`param_space`), as JSON, after Optuna's `suggest_*`: a
 * list is a categorical choice; `{float: [low, high]}` a float in [low, high] (`log: true`
 * samples log(x) uniformly; `step` restricts it to low + k*step); `{int: [low, high]}` an
 * integer in [low, high], both ends included (`log`, `step` likewise).
 */
export type SpaceParam = ParamValue[] | { float: [number, number]; log?: boolean; step?: number } | { int: [number, number]; log?: boolean; step?: number };

/** A search space: one dict of parameters, or a list of dicts (conditional: each trial picks one, as scikit-learn's list of grids). */
export type ParamSpace = Record<string, SpaceParam> | Array<Record<string, SpaceParam>>;

/** A problem with a space: where (path segments below the space) and what. */
export interface SpaceIssue {
  path: Array<string | number>;
  message: string;
}

/** Relative slack when checking that (high - low) is a multiple of a float step: 0.1-style steps are not exact in binary. */
export const STEP_SLACK = 1e-9;

const SHAPES = 'must be a list of choices, {float: [low, high], log?, step?} or {int: [low, high], log?, step?}';

/**
 * Everything wrong with a space, each naming its parameter (path segments below the space,
 * e.g. ["C", "float"] or [1, "gamma", "step"]): bounds not numbers or reversed, log with low
 * <= 0 (floats) or < 1 (ints), log with a step, a step that is not positive or does not divide
 * high - low, an empty list of choices, no subspace or no parameter.
 */
export function spaceIssues(space: unknown): SpaceIssue[] {
  const issues: SpaceIssue[] = [];
  const dicts = Array.isArray(space) ? space : [space];
  if (dicts.length === 0) issues.push({ path: [], message: 'must list at least one subspace' });
  dicts.forEach((dict, i) => {
    const where = Array.isArray(space) ? [i] : [];
    if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) {
      issues.push({ path: where, message: 'must be an object of parameters' });
      return;
    }
    if (Object.keys(dict).length === 0) issues.push({ path: where, message: 'has no parameters to search' });
    for (const [name, p] of Object.entries(dict as Record<string, unknown>)) {
      for (const issue of paramIssues(p)) issues.push({ path: [...where, name, ...issue.path], message: issue.message });
    }
  });
  return issues;
}

/** What is wrong with one parameter, paths below it. */
export function paramIssues(p: unknown): SpaceIssue[] {
  if (Array.isArray(p)) return p.length ? [] : [{ path: [], message: 'a categorical parameter needs at least one choice' }];
  if (typeof p !== 'object' || p === null) return [{ path: [], message: SHAPES }];
  const o = p as Record<string, unknown>;
  const kind = 'float' in o ? 'float' : 'int' in o ? 'int' : undefined;
  if (!kind) return [{ path: [], message: SHAPES }];
  const extra = Object.keys(o).filter((k) => k !== kind && k !== 'log' && k !== 'step');
  if (extra.length) return [{ path: [], message: `unknown field(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}` }];
  const isInt = kind === 'int';
  const bounds = o[kind];
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && (!isInt || Number.isSafeInteger(v));
  if (!Array.isArray(bounds) || bounds.length !== 2 || !bounds.every(num)) return [{ path: [kind], message: `must be [low, high], two finite ${isInt ? 'integers' : 'numbers'}` }];
  const [low, high] = bounds as [number, number];
  if (low > high) return [{ path: [kind], message: `low ${low} is above high ${high}` }];
  if (o.log !== undefined && typeof o.log !== 'boolean') return [{ path: ['log'], message: 'must be true or false' }];
  const log = o.log === true;
  if (log && o.step !== undefined && !(isInt && o.step === 1)) {
    return [{ path: ['step'], message: `cannot go with log: true (a log-uniform ${kind} has no step${isInt ? ' other than 1' : ''})` }];
  }
  if (log && !isInt && low <= 0) return [{ path: [kind], message: `log: true needs low > 0, got ${low}` }];
  if (log && isInt && low < 1) return [{ path: [kind], message: `log: true needs low >= 1, got ${low}` }];
  if (o.step !== undefined) {
    const step = o.step;
    if (typeof step !== 'number' || !Number.isFinite(step) || step <= 0 || (isInt && !Number.isSafeInteger(step))) {
      return [{ path: ['step'], message: `must be a ${isInt ? 'positive integer' : 'positive number'}, got ${JSON.stringify(step)}` }];
    }
    const k = (high - low) / step;
    if (Math.abs(k - Math.round(k)) > STEP_SLACK * Math.max(1, k)) {
      return [{ path: ['step'], message: `${step} does not divide high - low = ${high - low}, so high could never be drawn (Optuna would lower high; write the high you mean)` }];
    }
  }
  return [];
}

/** Every value that stands for a parameter's domain when checking names and limits: a list's choices, or a range's two ends. */
export function spaceParamValues(p: SpaceParam): ParamValue[] {
  if (Array.isArray(p)) return p;
  return 'float' in p ? p.float : p.int;
}
