import type { Params, ParamValue } from '../estimators/base.js';
import { RandomState } from '../random/numpy-random-state.js';
import { gridSize, ParameterGrid } from './parameter-grid.js';

/**
 * A distribution to sample a parameter from, as JSON: a list (uniform choice), or one of
 * scipy's: `{uniform: [loc, scale]}`, `{loguniform: [a, b]}`, `{randint: [low, high]}`.
 */
export type Distribution = ParamValue[] | { uniform: [number, number] } | { loguniform: [number, number] } | { randint: [number, number] };

/** scikit-learn's param_distributions: one dict, or a list of dicts (one picked per draw). */
export type ParamDistributions = Record<string, Distribution> | Array<Record<string, Distribution>>;

/**
 * scikit-learn's ParameterSampler, drawing the same candidates for the same `random_state`:
 * numpy's legacy generator, keys sorted per draw, lists by `randint(len)`, scipy's `rvs`
 * formulas for uniform / loguniform / randint, and — when every distribution is a list —
 * sampling grid cells without replacement as scikit-learn does.
 */
export class ParameterSampler {
  private readonly candidates: Params[];

  constructor(distributions: ParamDistributions, nIter: number, randomState: number) {
    if (!Number.isInteger(nIter) || nIter < 1) throw new RangeError(`n_iter must be an integer >= 1, got ${nIter}`);
    const dicts = Array.isArray(distributions) ? distributions : [distributions];
    const rng = new RandomState(randomState);
    if (allLists(dicts)) {
      const grid = new ParameterGrid(dicts);
      this.candidates = sampleWithoutReplacement(grid.size, Math.min(nIter, grid.size), rng).map((i) => grid.at(i));
    } else {
      this.candidates = Array.from({ length: nIter }, () => {
        const dict = dicts[rng.randint(0, dicts.length)];
        const out: Params = {};
        for (const key of Object.keys(dict).sort()) out[key] = draw(key, dict[key], rng);
        return out;
      });
    }
  }

  get size(): number {
    return this.candidates.length;
  }

  at(i: number): Params {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`candidate must be an integer in [0, ${this.size - 1}], got ${i}`);
    return structuredClone(this.candidates[i]);
  }

  get paramNames(): string[] {
    return [...new Set(this.candidates.flatMap((c) => Object.keys(c)))].sort();
  }

  *[Symbol.iterator](): IterableIterator<Params> {
    for (let i = 0; i < this.size; i++) yield this.at(i);
  }
}

/**
 * How many candidates n_iter draws give, by arithmetic alone: n_iter, or the number of grid
 * cells when every distribution is a list and there are fewer (scikit-learn warns and samples them all).
 */
export function samplerSize(distributions: ParamDistributions, nIter: number): number {
  const dicts = Array.isArray(distributions) ? distributions : [distributions];
  return allLists(dicts) ? Math.min(nIter, gridSize(dicts)) : nIter;
}

/**
 * Values that stand for what `d` can give: a list's values, or the two ends of a range
 * (limits are ranges, so checking the ends checks every draw).
 */
export function distributionValues(d: Distribution): ParamValue[] {
  if (Array.isArray(d)) return d;
  if ('uniform' in d) return [d.uniform[0], d.uniform[0] + d.uniform[1]];
  if ('loguniform' in d) return d.loguniform;
  return [d.randint[0], d.randint[1] - 1];
}

function allLists(dicts: Array<Record<string, Distribution>>): dicts is Array<Record<string, ParamValue[]>> {
  return dicts.every((d) => Object.values(d).every(Array.isArray));
}

function draw(key: string, d: Distribution, rng: RandomState): ParamValue {
  if (Array.isArray(d)) {
    if (d.length === 0) throw new RangeError(`param_distributions.${key} must be a non-empty list`);
    return d[rng.randint(0, d.length)];
  }
  if ('uniform' in d) {
    const [loc, scale] = d.uniform;
    return loc + scale * rng.randomSample();
  }
  if ('loguniform' in d) {
    const [a, b] = d.loguniform;
    if (!(a > 0 && b > a)) throw new RangeError(`param_distributions.${key}.loguniform needs 0 < a < b, got [${a}, ${b}]`);
    return a * Math.pow(b / a, rng.randomSample());
  }
  if ('randint' in d) {
    const [low, high] = d.randint;
    return rng.randint(low, high);
  }
  throw new RangeError(`param_distributions.${key} must be a list or one of {uniform}, {loguniform}, {randint}, got ${JSON.stringify(d)}`);
}

/**
 * scikit-learn's sample_without_replacement(n, k) with method "auto": a prefix of numpy's
 * `permutation(n)` for 0.01 < k/n < 0.99, else tracking selection (k/n < 0.2) or reservoir sampling.
 */
function sampleWithoutReplacement(n: number, k: number, rng: RandomState): number[] {
  const ratio = n === 0 ? 1 : k / n;
  if (ratio > 0.01 && ratio < 0.99) {
    return Array.from(rng.permutation(n).subarray(0, k));
  }
  if (ratio < 0.2) {
    const selected = new Set<number>();
    const out: number[] = [];
    for (let i = 0; i < k; i++) {
      let j = rng.randint(0, n);
      while (selected.has(j)) j = rng.randint(0, n);
      selected.add(j);
      out.push(j);
    }
    return out;
  }
  const out = Array.from({ length: k }, (_, i) => i);
  for (let i = k; i < n; i++) {
    const j = rng.randint(0, i + 1);
    if (j < k) out[j] = i;
  }
  return out;
}
