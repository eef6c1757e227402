import type { Params } from '../../estimators/base.js';
import { RandomState } from '../../random/numpy-random-state.js';
import { defaultGamma, rankOf, splitBelowAbove, type Rank, type TpeTrial } from './observations.js';
import { defaultWeights, ParzenEstimator, roundHalfEven, type ParzenSettings } from './parzen-estimator.js';
import { isSingle, normaliseSpace, singleValue, subspaceOf, toInternal, valueKey, type Dist, type ParamSpace, type Subspace } from './space.js';

/** TpeSampler's settings; every default is Optuna 3.1's TPESampler's, but for `constantLiar`. */
export interface TpeOptions {
  /** Seed of every draw. @defaultValue 0 */
  seed?: number;
  /** Proposals drawn at random, in bounds, until this many trials have finished (complete or pruned). @defaultValue 10 */
  nStartupTrials?: number;
  /** Candidates drawn from the good trials' estimator l(x); the one with the best l(x)/g(x) is proposed. @defaultValue 24 */
  nEiCandidates?: number;
  /** Whether smaller or larger objective values are better. @defaultValue 'minimize' */
  direction?: 'minimize' | 'maximize';
  /**
   * Count running trials as if they had the worst value (Optuna's `constant_liar=True`), so
   * concurrent proposals keep away from each other. Optuna's default is false; gridfold always
   * proposes while other trials run, so here it is on. @defaultValue true
   */
  constantLiar?: boolean;
  /** How many of n finished trials are "good". @defaultValue {@link defaultGamma} */
  gamma?: (n: number) => number;
  /** @defaultValue {@link defaultWeights} */
  weights?: (n: number) => ArrayLike<number>;
  considerPrior?: boolean;
  priorWeight?: number;
  considerMagicClip?: boolean;
  considerEndpoints?: boolean;
  /**
   * Score continuous kernels with the truncated normal's true density, -log(sigma) included, as
   * Optuna does since 3.5 (optuna#5109 / #5110). Optuna 3.1 leaves the term out, which favours
   * wide kernels; off by default, to keep 3.1's semantics (draw for draw, see
   * test/search/tpe-optuna.test.ts). @defaultValue false
   */
  correctedDensity?: boolean;
}

/** The generators one proposal draws from: Optuna's TPESampler has one for TPE and its RandomSampler one for startup draws. */
export interface ProposalRngs {
  tpe: RandomState;
  random: RandomState;
}

/**
 * A proposal equal to a running trial's params is drawn again: this many times by TPE (which
 * helps where its candidates vary), then this many times at random (which finds a free value of
 * a small discrete space, where TPE's best ratio may be the same value every time).
 */
const TPE_REDRAWS = 4;
const RANDOM_REDRAWS = 64;

/**
 * The Tree-structured Parzen Estimator, univariate, as Optuna 3.1's `TPESampler` (defaults:
 * 10 random startup trials, 24 EI candidates, gamma(n) = min(ceil(n/10), 25), recent-weighted
 * observations, a prior component, magic clip, no endpoints), over float (linear / log / step),
 * int (linear / log / step) and categorical parameters, with conditional spaces (a list of
 * subspaces: the subspace is sampled first, as a categorical, then its parameters from the
 * trials of that subspace, as hyperopt's tree and Optuna's define-by-run do).
 *
 * Ask / tell without state: `propose(history, running)` is a pure function of the space, the
 * options, and its inputs. Its generator is seeded from the seed and the number of trials
 * already proposed (history + running), so a seeded run with one worker is reproducible and
 * two concurrent proposals draw differently; with the constant liar they also repel each other,
 * and a proposal equal to a running trial's params is drawn again (by TPE, then at random).
 */
export class TpeSampler {
  private readonly subspaces: Subspace[];
  private readonly subspaceDist: Dist;
  private readonly seed: number;
  private readonly nStartup: number;
  private readonly nCandidates: number;
  private readonly sign: 1 | -1;
  private readonly constantLiar: boolean;
  private readonly gamma: (n: number) => number;
  private readonly parzen: ParzenSettings;

  constructor(space: ParamSpace, options: TpeOptions = {}) {
    this.subspaces = normaliseSpace(space);
    const k = this.subspaces.length;
    this.subspaceDist = { kind: 'categorical', choices: Array.from({ length: k }, (_, i) => i), keys: Array.from({ length: k }, (_, i) => String(i)) };
    this.seed = options.seed ?? 0;
    if (!Number.isInteger(this.seed) || this.seed < 0 || this.seed > 0xffffffff) throw new RangeError(`seed must be an integer in [0, 2**32 - 1], got ${this.seed}`);
    this.nStartup = options.nStartupTrials ?? 10;
    if (!Number.isInteger(this.nStartup) || this.nStartup < 0) throw new RangeError(`nStartupTrials must be an integer >= 0, got ${this.nStartup}`);
    this.nCandidates = options.nEiCandidates ?? 24;
    if (!Number.isInteger(this.nCandidates) || this.nCandidates < 1) throw new RangeError(`nEiCandidates must be an integer >= 1, got ${this.nCandidates}`);
    this.sign = (options.direction ?? 'minimize') === 'minimize' ? 1 : -1;
    this.constantLiar = options.constantLiar ?? true;
    this.gamma = options.gamma ?? defaultGamma;
    this.parzen = {
      considerPrior: options.considerPrior ?? true,
      priorWeight: options.priorWeight ?? 1,
      considerMagicClip: options.considerMagicClip ?? true,
      considerEndpoints: options.considerEndpoints ?? false,
      weights: options.weights ?? defaultWeights,
      densityScale: options.correctedDensity ?? false,
    };
    if (!(this.parzen.priorWeight > 0)) throw new RangeError(`priorWeight must be > 0, got ${this.parzen.priorWeight}`);
  }

  /**
   * The next trial's params, given the trials so far (oldest first) and the params of trials in
   * flight (appended after them, as the newest). Pure: the same inputs give the same params.
   */
  propose(history: readonly TpeTrial[], running: readonly Params[] = []): Params {
    const trials = [...history, ...running.map((params): TpeTrial => ({ params, state: 'running' }))];
    const rng = new RandomState(proposalSeed(this.seed, trials.length));
    const inFlight = new Set(trials.filter((t) => t.state === 'running').map((t) => paramsKey(t.params)));
    const rngs = { tpe: rng, random: rng };
    let params = this.proposeWith(trials, rngs);
    for (let i = 0; i < TPE_REDRAWS && inFlight.has(paramsKey(params)); i++) params = this.proposeWith(trials, rngs);
    for (let i = 0; i < RANDOM_REDRAWS && inFlight.has(paramsKey(params)); i++) params = this.proposeWith(trials, rngs, true);
    return params;
  }

  /**
   * One proposal drawing from the given generators (which it advances), as Optuna's TPESampler
   * does from its own two: for a run that carries generators from one proposal to the next,
   * e.g. to reproduce an Optuna study draw for draw. `random` draws as in the startup phase.
   */
  proposeWith(trials: readonly TpeTrial[], rngs: ProposalRngs, random = false): Params {
    const ranks: Array<Rank | undefined> = trials.map((t) => rankOf(t, this.sign, this.constantLiar));
    const used = ranks.flatMap((r, i) => (r ? [i] : []));
    const usedRanks = used.map((i) => ranks[i]!);
    const k = this.subspaces.length;
    // One subspace: every trial is in it (a value outside a parameter's domain is skipped below).
    const subspaceOfTrial = used.map((i) => {
      const t = trials[i];
      if (k === 1) return 0;
      return t.subspace !== undefined && t.subspace >= 0 && t.subspace < k ? t.subspace : subspaceOf(this.subspaces, t.params);
    });
    // n counts finished trials only (Optuna leaves running ones out of the startup count and gamma).
    const n = usedRanks.filter((r) => r[0] !== Infinity).length;
    const startup = random || n < this.nStartup;
    const below = startup ? undefined : splitBelowAbove(usedRanks, this.gamma(n)).below;

    const sampleParam = (dist: Dist, values: Array<number | undefined>): number => {
      if (startup) return randomDraw(dist, rngs.random);
      const good: number[] = [];
      const bad: number[] = [];
      values.forEach((v, j) => v !== undefined && (below![j] ? good : bad).push(v));
      const l = new ParzenEstimator(dist, good, this.parzen);
      const g = new ParzenEstimator(dist, bad, this.parzen);
      const candidates = l.sample(rngs.tpe, this.nCandidates);
      const logL = l.logPdf(candidates);
      const logG = g.logPdf(candidates);
      let best = 0;
      for (let c = 1; c < candidates.length; c++) if (logL[c] - logG[c] > logL[best] - logG[best]) best = c;
      return candidates[best];
    };

    let chosen = 0;
    if (k > 1) {
      chosen = sampleParam(
        this.subspaceDist,
        subspaceOfTrial.map((s) => (s >= 0 ? s : undefined)),
      );
    }
    const sub = this.subspaces[chosen];
    const out: Params = {};
    sub.names.forEach((name, p) => {
      const dist = sub.dists[p];
      if (isSingle(dist)) {
        out[name] = singleValue(dist);
        return;
      }
      const values = used.map((i, j) => (subspaceOfTrial[j] === chosen ? toInternal(dist, trials[i].params[name]) : undefined));
      const v = sampleParam(dist, values);
      out[name] = dist.kind === 'categorical' ? dist.choices[v] : v;
    });
    return out;
  }
}

/** The generator seed of the proposal after `asked` trials: a 32-bit mix of the two (murmur3's finaliser). */
export function proposalSeed(seed: number, asked: number): number {
  let h = (seed ^ Math.imul(asked + 1, 0x9e3779b9)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A startup draw, as Optuna's RandomSampler makes it (`_SearchSpaceTransform`, then one uniform
 * per encoded column): floats uniform on [low, high) (log: on the log range); int and step
 * values uniform on the range widened by half a step each side, then rounded to the grid; a
 * categorical one uniform per choice, the largest one's choice. Returns the internal value.
 */
export function randomDraw(d: Dist, rng: RandomState): number {
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * rng.randomSample();
  if (d.kind === 'categorical') {
    let best = 0;
    let bestU = -1;
    for (let c = 0; c < d.choices.length; c++) {
      const u = rng.randomSample();
      if (u > bestU) [best, bestU] = [c, u];
    }
    return best;
  }
  if (d.kind === 'float') {
    if (d.log) return Math.min(Math.exp(uniform(Math.log(d.low), Math.log(d.high))), below(d.high));
    if (d.step === null) return Math.min(uniform(d.low, d.high), below(d.high));
    const x = uniform(d.low - 0.5 * d.step, d.high + 0.5 * d.step);
    return Math.min(Math.max(roundHalfEven((x - d.low) / d.step) * d.step + d.low, d.low), d.high);
  }
  if (d.log) return Math.min(Math.max(roundHalfEven(Math.exp(uniform(Math.log(d.low - 0.5), Math.log(d.high + 0.5)))), d.low), d.high);
  const x = uniform(d.low - 0.5 * d.step, d.high + 0.5 * d.step);
  return Math.min(Math.max(roundHalfEven((x - d.low) / d.step) * d.step + d.low, d.low), d.high);
}

const nextDown = new Float64Array(1);
const nextDownBits = new BigInt64Array(nextDown.buffer);
/** The largest double below x, for x > 0 or x < 0 (numpy's `nextafter(x, x - 1)`). */
function below(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  nextDown[0] = x;
  nextDownBits[0] += x > 0 ? -1n : 1n;
  return nextDown[0];
}

/** A comparable key of a whole params object. */
function paramsKey(params: Params): string {
  return valueKey(params);
}
