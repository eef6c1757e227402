import type { Params } from '../../estimators/base.js';

/**
 * A trial the sampler learns from, in the order trials were proposed (oldest first: the
 * weights favour recent trials). `complete` has its objective `value`; `pruned` its
 * intermediate reports as [step, value] pairs; `failed` is ignored, as Optuna ignores FAIL
 * (so is a complete trial whose value is NaN: Optuna records those as failed); `running` is
 * in flight (see constant liar).
 */
export interface TpeTrial {
  params: Params;
  state: 'complete' | 'pruned' | 'failed' | 'running';
  value?: number;
  intermediate?: Array<[step: number, value: number]>;
  /** Which subspace of a conditional space the params are from; found from the params when absent. */
  subspace?: number;
}

/**
 * How a trial ranks, smaller first (Optuna 3.1's `(-step, value)` pairs, compared
 * lexicographically): complete trials (-inf, value) first; then pruned ones, the furthest
 * step first, by their last intermediate value (NaN as +inf); pruned without reports (1, 0);
 * running ones (+inf, +inf) last, worse than anything (the constant liar). Values are signed so
 * that smaller is better.
 */
export type Rank = [stage: number, value: number];

/** A trial's rank, or undefined for one the sampler ignores (failed, NaN value, or running without the liar). */
export function rankOf(trial: TpeTrial, sign: 1 | -1, constantLiar: boolean): Rank | undefined {
  switch (trial.state) {
    case 'complete':
      if (typeof trial.value !== 'number' || Number.isNaN(trial.value)) return undefined;
      return [-Infinity, sign * trial.value];
    case 'pruned': {
      const reports = trial.intermediate ?? [];
      if (reports.length === 0) return [1, 0];
      // The report with the largest step (Optuna's max over (step, value) pairs).
      let [step, value] = reports[0];
      for (const [s, v] of reports) if (s > step || (s === step && v > value)) [step, value] = [s, v];
      return [-step, Number.isNaN(value) ? Infinity : sign * value];
    }
    case 'running':
      return constantLiar ? [Infinity, Infinity] : undefined;
    default:
      return undefined;
  }
}

/**
 * Optuna's `_split_observation_pairs` for one objective: the indices of the `nBelow` best
 * ranks and of the rest, each in chronological order. Ties keep chronological order.
 */
export function splitBelowAbove(ranks: Rank[], nBelow: number): { below: Uint8Array } {
  const order = ranks.map((_, i) => i).sort((a, b) => compareRanks(ranks[a], ranks[b]) || a - b);
  const below = new Uint8Array(ranks.length);
  for (let j = 0; j < Math.min(nBelow, order.length); j++) below[order[j]] = 1;
  return { below };
}

function compareRanks(a: Rank, b: Rank): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return 0;
}

/** Optuna's `default_gamma`: how many of n finished trials form the good group, min(ceil(n / 10), 25). */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}
