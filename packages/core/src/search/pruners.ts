import { crc32 } from 'node:zlib';

/**
 * Pruners with Optuna 3.1's semantics (optuna/pruners/_percentile.py, _successive_halving.py),
 * for a study that maximizes: after a trial reports an intermediate value at a step, they say
 * whether to stop it. Pure functions of the trials' reports, so any worker decides the same on
 * the same reports; what a decision changes (a trial's completed rungs, the estimated minimum
 * resource) comes back in the decision for the caller to store.
 */

/** A pruner as a spec names it. */
export type PrunerSpec =
  | { kind: 'none' }
  | { kind: 'median' | 'percentile'; percentile?: number; n_startup_trials?: number; n_warmup_steps?: number; interval_steps?: number; n_min_trials?: number }
  | { kind: 'asha'; min_resource?: number | 'auto'; reduction_factor?: number; min_early_stopping_rate?: number; bootstrap_count?: number }
  | { kind: 'hyperband'; min_resource?: number; max_resource?: number | 'auto'; reduction_factor?: number; bootstrap_count?: number };

/** What earlier decisions fixed for the whole study, stored by the caller and passed back. */
export interface PrunerState {
  /** ASHA with `min_resource: "auto"`: its estimate. */
  minResource?: number;
  /** Hyperband with `max_resource: "auto"`: its estimate. */
  maxResource?: number;
  /** Hyperband: the study's name, with the trial's number what puts a trial in a bracket. */
  studyName?: string;
}

/** A trial as a pruner sees it. */
export interface PrunerTrial {
  /** Hyperband: the trial's number in the study (0, 1, ...). */
  number?: number;
  state: 'running' | 'complete' | 'pruned' | 'failed';
  /** Intermediate values by step (NaN allowed), steps in the order reported. */
  values: ReadonlyMap<number, number>;
  /** The last step reported, if any. */
  lastStep?: number;
  /** ASHA: the value recorded at each rung the trial completed, rung 0 first. */
  rungs?: readonly number[];
}

/** A pruner's answer, and what the caller stores so that later decisions see it. */
export interface PruneDecision {
  prune: boolean;
  /** ASHA: the trial's completed rungs after this decision. */
  rungs?: number[];
  /** ASHA with `min_resource: "auto"`: the estimate, fixed for the study once made. */
  minResource?: number;
  /** Hyperband with `max_resource: "auto"`: the estimate, fixed for the study once made. */
  maxResource?: number;
}

/**
 * Whether to stop `trial` after its last report. `trials` is every trial of the study (the
 * current one among them or not: it is left out by identity), as they stand now.
 * @param state - what earlier decisions fixed for the study (ASHA's estimated minimum resource)
 */
export function shouldPrune(spec: PrunerSpec, trial: PrunerTrial, trials: readonly PrunerTrial[], state: PrunerState = {}): PruneDecision {
  switch (spec.kind) {
    case 'none':
      return { prune: false };
    case 'median':
    case 'percentile':
      return { prune: percentilePrune(spec, trial, trials) };
    case 'asha':
      return ashaPrune(spec, trial, trials, state);
    case 'hyperband':
      return hyperbandPrune(spec, trial, trials, state);
  }
}

/**
 * Optuna's HyperbandPruner: brackets of successive halving whose early-stopping rates are
 * 0, 1, ...; a trial's bracket is crc32("<study name>_<trial number>") modulo the brackets'
 * total budget; each bracket's pruner sees only its own trials.
 */
function hyperbandPrune(spec: Extract<PrunerSpec, { kind: 'hyperband' }>, trial: PrunerTrial, trials: readonly PrunerTrial[], state: PrunerState): PruneDecision {
  const minResource = spec.min_resource ?? 1;
  const factor = spec.reduction_factor ?? 3;
  let maxResource = typeof spec.max_resource === 'number' ? spec.max_resource : state.maxResource;
  if (maxResource === undefined) {
    const lasts = trials.filter((t) => t.state === 'complete' && t.lastStep !== undefined).map((t) => t.lastStep!);
    if (lasts.length === 0) return { prune: false };
    maxResource = Math.max(...lasts) + 1;
  }
  const estimated = typeof spec.max_resource === 'number' ? {} : { maxResource };
  const budgets = hyperbandBudgets(minResource, maxResource, factor);
  const bracketOf = (t: PrunerTrial) => hyperbandBracket(budgets, state.studyName ?? '', t.number ?? 0);
  const bracket = bracketOf(trial);
  const own = trials.filter((t) => bracketOf(t) === bracket);
  const decision = ashaPrune({ kind: 'asha', min_resource: minResource, reduction_factor: factor, min_early_stopping_rate: bracket, bootstrap_count: spec.bootstrap_count ?? 0 }, trial, own, {});
  return { ...decision, ...estimated };
}

/** Trials allotted to each bracket (Hyperband's `n` per bracket, as a ratio). */
function hyperbandBudgets(minResource: number, maxResource: number, factor: number): number[] {
  const brackets = Math.floor(Math.log(maxResource / minResource) / Math.log(factor)) + 1;
  return Array.from({ length: brackets }, (_, id) => {
    const s = brackets - 1 - id;
    return Math.ceil((brackets * factor ** s) / (s + 1));
  });
}

function hyperbandBracket(budgets: number[], studyName: string, number: number): number {
  const total = budgets.reduce((a, b) => a + b, 0);
  let n = crc32(Buffer.from(`${studyName}_${number}`)) % total;
  for (const [id, budget] of budgets.entries()) {
    n -= budget;
    if (n < 0) return id;
  }
  throw new Error('unreachable: the budgets cover every residue');
}

function percentilePrune(spec: Extract<PrunerSpec, { kind: 'median' | 'percentile' }>, trial: PrunerTrial, trials: readonly PrunerTrial[]): boolean {
  const percentile = spec.kind === 'median' ? 50 : (spec.percentile ?? 25);
  const nStartup = spec.n_startup_trials ?? 5;
  const warmup = spec.n_warmup_steps ?? 0;
  const interval = spec.interval_steps ?? 1;
  const nMin = spec.n_min_trials ?? 1;
  const completed = trials.filter((t) => t !== trial && t.state === 'complete');
  if (completed.length === 0 || completed.length < nStartup) return false;
  const step = trial.lastStep;
  if (step === undefined || step < warmup) return false;
  if (!firstInInterval(step, trial.values.keys(), warmup, interval)) return false;
  const best = nanMax([...trial.values.values()]);
  if (Number.isNaN(best)) return true;
  const atStep = completed.filter((t) => t.values.has(step)).map((t) => t.values.get(step)!);
  if (atStep.length < nMin) return false;
  // Maximizing: keep the top `percentile` percent, i.e. compare with the (100 - p)-th percentile.
  const p = nanPercentile(atStep, 100 - percentile);
  return Number.isNaN(p) ? false : best < p;
}

/** Optuna's `_is_first_in_interval_step`: no earlier report since the last pruning check's step. */
function firstInInterval(step: number, steps: Iterable<number>, warmup: number, interval: number): boolean {
  const nearestLower = Math.floor((step - warmup) / interval) * interval + warmup;
  let secondLast = -1;
  for (const s of steps) if (s > secondLast && s !== step) secondLast = s;
  return secondLast < nearestLower;
}

function ashaPrune(spec: Extract<PrunerSpec, { kind: 'asha' }>, trial: PrunerTrial, trials: readonly PrunerTrial[], state: { minResource?: number }): PruneDecision {
  const factor = spec.reduction_factor ?? 4;
  const rate = spec.min_early_stopping_rate ?? 0;
  const bootstrap = spec.bootstrap_count ?? 0;
  const step = trial.lastStep;
  if (step === undefined) return { prune: false };
  const rungs = [...(trial.rungs ?? [])];
  const value = trial.values.get(step)!;
  let minResource = typeof spec.min_resource === 'number' ? spec.min_resource : state.minResource;
  if (minResource === undefined) {
    // Optuna's estimate: a hundredth of the longest completed trial (at least 1), once it has one.
    const lasts = trials.filter((t) => t.state === 'complete' && t.lastStep !== undefined).map((t) => t.lastStep!);
    if (lasts.length === 0) return { prune: false };
    minResource = Math.max(Math.floor(Math.max(...lasts) / 100), 1);
  }
  const estimated = typeof spec.min_resource === 'number' ? {} : { minResource };
  for (;;) {
    const rung = rungs.length;
    if (step < minResource * factor ** (rate + rung)) return { prune: false, rungs, ...estimated };
    if (Number.isNaN(value)) return { prune: true, rungs, ...estimated };
    // The other trials' values at this rung, as they stood before this decision, and this one.
    const competing = trials.filter((t) => t !== trial && (t.rungs?.length ?? 0) > rung).map((t) => t.rungs![rung]);
    competing.push(value);
    rungs.push(value);
    if (competing.length <= bootstrap) return { prune: true, rungs, ...estimated };
    let index = Math.floor(competing.length / factor) - 1;
    if (index === -1) index = 0;
    competing.sort((a, b) => a - b);
    if (!(value >= competing[competing.length - 1 - index])) return { prune: true, rungs, ...estimated };
  }
}

function nanMax(values: number[]): number {
  let best = NaN;
  for (const v of values) if (!Number.isNaN(v) && !(v <= best)) best = v;
  return best;
}

/**
 * numpy 1.24's `nanpercentile` with its default linear method, to the bit: the position is
 * `q/100 * (n - 1)`, and the interpolation `_lerp` (from the upper end when the fraction is
 * at least one half). NaN when every value is NaN.
 */
function nanPercentile(values: number[], q: number): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const t = pos - lo;
  const a = sorted[lo];
  const b = sorted[hi];
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}
