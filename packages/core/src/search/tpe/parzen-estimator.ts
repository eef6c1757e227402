import type { RandomState } from '../../random/numpy-random-state.js';
import { numpyArgsort } from './numpy-argsort.js';
import type { Dist } from './space.js';
import { logGaussMass, normLogPdf, truncnormPpf } from './truncnorm.js';

/** How a Parzen estimator is built (Optuna 3.1's `_ParzenEstimatorParameters`, univariate). */
export interface ParzenSettings {
  /** Add a wide prior component (centre of the range, sigma = its width). @defaultValue true */
  considerPrior: boolean;
  /** The prior component's weight before normalisation. @defaultValue 1 */
  priorWeight: number;
  /** Floor each bandwidth at range / min(100, components + 1). @defaultValue true */
  considerMagicClip: boolean;
  /** Let the range's ends bound the outermost bandwidths. @defaultValue false */
  considerEndpoints: boolean;
  /** Weights of n observations, oldest first. @defaultValue {@link defaultWeights} */
  weights: (n: number) => ArrayLike<number>;
  /**
   * Whether a continuous kernel's log density includes -log(sigma). Optuna 3.1 leaves it out of
   * its truncated normal (optuna#5109, fixed in #5110 for 3.5); false reproduces 3.1 exactly.
   */
  densityScale: boolean;
}

/**
 * Optuna's `default_weights`: 1 for each of the last 25 observations, and a ramp
 * linspace(1/n, 1, n - 25) for the older ones.
 */
export function defaultWeights(n: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  if (n < 25) return w;
  const ramp = n - 25;
  // numpy's linspace: start + i * step, the last one set to stop exactly.
  const step = ramp > 1 ? (1 - 1 / n) / (ramp - 1) : 0;
  for (let i = 0; i < ramp; i++) w[i] = i * step + 1 / n;
  if (ramp > 1) w[ramp - 1] = 1;
  return w;
}

/** Mixture weights: the observations' (per `settings.weights`), then the prior's, normalised to sum 1. */
function mixtureWeights(n: number, settings: ParzenSettings): Float64Array {
  const prior = settings.considerPrior || n === 0;
  const w = settings.weights(n);
  if (w.length < n) throw new RangeError(`the weights function gave ${w.length} weights for ${n} observations`);
  const out = new Float64Array(n + (prior ? 1 : 0));
  for (let i = 0; i < n; i++) {
    if (!(w[i] >= 0) || !Number.isFinite(w[i])) throw new RangeError(`the weights function must give finite weights >= 0, got ${w[i]}`);
    out[i] = w[i];
  }
  if (prior) out[n] = settings.priorWeight;
  let sum = 0;
  for (const x of out) sum += x;
  if (!(sum > 0)) throw new RangeError('the weights function gave all-zero weights');
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/**
 * numpy's `RandomState.choice(len(p), size, p=p)`: `size` uniforms located in the cumulative
 * weights (`searchsorted(side="right")`).
 */
function choose(rng: RandomState, p: Float64Array, size: number): Int32Array {
  const cdf = new Float64Array(p.length);
  let acc = 0;
  for (let i = 0; i < p.length; i++) cdf[i] = acc += p[i];
  const last = cdf[cdf.length - 1];
  for (let i = 0; i < cdf.length; i++) cdf[i] /= last;
  const out = new Int32Array(size);
  for (let s = 0; s < size; s++) {
    const u = rng.randomSample();
    let lo = 0;
    let hi = cdf.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] <= u) lo = mid + 1;
      else hi = mid;
    }
    out[s] = lo;
  }
  return out;
}

/** numpy's `round`: half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** log of sum(exp(xs)), from its largest term. */
function logSumExp(xs: Float64Array): number {
  let max = -Infinity;
  for (const x of xs) if (x > max) max = x;
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (const x of xs) s += Math.exp(x - max);
  return Math.log(s) + max;
}

/**
 * A univariate Parzen estimator: a weighted mixture of one kernel per observation plus a prior
 * (Optuna 3.1's `_ParzenEstimator` with multivariate=False). Observations are internal values
 * (a categorical's index; the number otherwise). Numbers live in the transformed space: log for
 * log parameters, and for int / step parameters the range widened by half a step each side,
 * their kernels then scored by their mass over the value's step cell.
 */
export class ParzenEstimator {
  private readonly weights: Float64Array;
  private readonly logWeights: Float64Array;
  // numeric
  private readonly low: number = 0;
  private readonly high: number = 0;
  private readonly q: number | null = null;
  private readonly mus = new Float64Array(0);
  private readonly sigmas = new Float64Array(0);
  /** Each component's log normaliser: log mass on [low, high] (+ log sigma if densityScale). */
  private readonly logNorm = new Float64Array(0);
  // categorical
  private readonly choiceLogProb = new Float64Array(0);
  private readonly choiceRows: Float64Array[] = [];

  constructor(
    private readonly dist: Dist,
    observations: ArrayLike<number>,
    settings: ParzenSettings,
  ) {
    const n = observations.length;
    this.weights = mixtureWeights(n, settings);
    this.logWeights = this.weights.map(Math.log);
    if (dist.kind === 'categorical') {
      const k = dist.choices.length;
      const prior = settings.considerPrior || n === 0;
      const fill = prior ? settings.priorWeight / (n + 1) : settings.priorWeight / n;
      const rows = this.weights.length;
      const mixture = new Float64Array(k);
      for (let r = 0; r < rows; r++) {
        const row = new Float64Array(k).fill(fill);
        if (r < n) row[observations[r]] += 1;
        let sum = 0;
        for (const x of row) sum += x;
        for (let c = 0; c < k; c++) {
          row[c] /= sum;
          mixture[c] += row[c] * this.weights[r];
        }
        this.choiceRows.push(row);
      }
      this.choiceLogProb = mixture.map(Math.log);
      return;
    }
    [this.low, this.high, this.q] = parzenBounds(dist);
    const { low, high } = this;
    const prior = settings.considerPrior || n === 0;
    const m = n + (prior ? 1 : 0);
    const mus = new Float64Array(m);
    for (let i = 0; i < n; i++) mus[i] = dist.log ? Math.log(observations[i]) : observations[i];
    if (prior) mus[n] = 0.5 * (low + high);
    // Bandwidth: the larger gap to a neighbour in sorted order, the range's ends as outer neighbours.
    // numpy's unstable order of ties, as Optuna's argsort gives it: it decides which tied observation gets which bandwidth.
    const order = numpyArgsort(mus);
    const sorted = [low, ...Array.from(order, (i) => mus[i]), high];
    const sortedSigmas = new Float64Array(m);
    for (let j = 0; j < m; j++) sortedSigmas[j] = Math.max(sorted[j + 1] - sorted[j], sorted[j + 2] - sorted[j + 1]);
    if (!settings.considerEndpoints && sorted.length >= 4) {
      sortedSigmas[0] = sorted[2] - sorted[1];
      sortedSigmas[m - 1] = sorted[m] - sorted[m - 1];
    }
    const sigmas = new Float64Array(m);
    order.forEach((i, j) => (sigmas[i] = sortedSigmas[j]));
    const maxSigma = high - low;
    const minSigma = settings.considerMagicClip ? (high - low) / Math.min(100, 1 + m) : 1e-12;
    for (let i = 0; i < m; i++) sigmas[i] = Math.min(Math.max(sigmas[i], minSigma), maxSigma);
    if (prior) sigmas[n] = high - low;
    this.mus = mus;
    this.sigmas = sigmas;
    this.logNorm = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      this.logNorm[i] = logGaussMass((low - mus[i]) / sigmas[i], (high - mus[i]) / sigmas[i]) + (settings.densityScale && this.q === null ? Math.log(sigmas[i]) : 0);
    }
  }

  /**
   * `size` draws, as parameter values (a categorical's index; an int / step value rounded to
   * its grid; exp of a log draw), consuming the generator as Optuna does: `size` uniforms to pick
   * components, then `size` for the kernels' quantiles.
   */
  sample(rng: RandomState, size: number): number[] {
    const active = choose(rng, this.weights, size);
    const out: number[] = [];
    if (this.dist.kind === 'categorical') {
      for (let s = 0; s < size; s++) {
        const row = this.choiceRows[active[s]];
        const u = rng.randomSample();
        let acc = 0;
        let c = 0;
        for (const p of row) if ((acc += p) < u) c++;
        out.push(c);
      }
      return out;
    }
    for (let s = 0; s < size; s++) {
      const k = active[s];
      const mu = this.mus[k];
      const sigma = this.sigmas[k];
      const x = truncnormPpf(rng.randomSample(), (this.low - mu) / sigma, (this.high - mu) / sigma) * sigma + mu;
      out.push(fromTransformed(this.dist, x));
    }
    return out;
  }

  /** log density (log mass, for int / step parameters and categoricals) of each value. */
  logPdf(values: number[]): Float64Array {
    const out = new Float64Array(values.length);
    if (this.dist.kind === 'categorical') {
      values.forEach((v, s) => (out[s] = this.choiceLogProb[v]));
      return out;
    }
    const { mus, sigmas, logNorm, logWeights, low, high, q } = this;
    const m = mus.length;
    const terms = new Float64Array(m);
    // Discrete candidates repeat (24 draws of a few likely values): each value is scored once.
    const seen = new Map<number, number>();
    for (let s = 0; s < values.length; s++) {
      const known = seen.get(values[s]);
      if (known !== undefined) {
        out[s] = known;
        continue;
      }
      const x = this.dist.log ? Math.log(values[s]) : values[s];
      if (q === null) {
        for (let k = 0; k < m; k++) {
          const z = (x - mus[k]) / sigmas[k];
          terms[k] = x < low || x > high ? -Infinity : normLogPdf(z) - logNorm[k] + logWeights[k];
        }
      } else {
        const upper = Math.min(x + q / 2, high);
        const lower = Math.max(x - q / 2, low);
        for (let k = 0; k < m; k++) terms[k] = logGaussMass((lower - mus[k]) / sigmas[k], (upper - mus[k]) / sigmas[k]) - logNorm[k] + logWeights[k];
      }
      out[s] = logSumExp(terms);
      seen.set(values[s], out[s]);
    }
    return out;
  }
}

/**
 * The estimator's range in the transformed space, and the step of a discrete one: log ends for
 * log parameters (an int's widened by half each side), ends widened by half a step for int and
 * step parameters (Optuna's `_calculate_parzen_bounds`).
 */
function parzenBounds(d: Exclude<Dist, { kind: 'categorical' }>): [number, number, number | null] {
  if (d.kind === 'float') {
    if (d.log) return [Math.log(d.low), Math.log(d.high), null];
    if (d.step !== null) return [d.low - 0.5 * d.step, d.high + 0.5 * d.step, d.step];
    return [d.low, d.high, null];
  }
  if (d.log) return [Math.log(d.low - 0.5), Math.log(d.high + 0.5), null];
  return [d.low - 0.5 * d.step, d.high + 0.5 * d.step, d.step];
}

/** A draw in the transformed space back to a value: exp for log, rounded to the step grid and clipped for int / step. */
function fromTransformed(d: Exclude<Dist, { kind: 'categorical' }>, x: number): number {
  if (d.kind === 'float') {
    if (d.log) return Math.exp(x);
    if (d.step === null) return x;
    return clip(roundHalfEven((x - d.low) / d.step) * d.step + d.low, d.low, d.high);
  }
  if (d.log) return clip(roundHalfEven(Math.exp(x)), d.low, d.high);
  return clip(roundHalfEven((x - d.low) / d.step) * d.step + d.low, d.low, d.high);
}

function clip(x: number, low: number, high: number): number {
  return Math.min(Math.max(x, low), high);
}
