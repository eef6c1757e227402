import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { Matrix, type Target } from '../matrix.js';
import { Estimator, type HasPredictProba } from './base.js';
import { RandomState, SKLEARN_MAX_INT } from '../random/numpy-random-state.js';
import { param, parseParams } from './params.js';
import { allocate, binData } from './tree/binned-data.js';
import { releaseCodesMemory } from './tree/tree-memory.js';
import type { TreeArrays, TreeOptions } from './tree/build-tree.js';
import { buildForest, forestThreads, sumTreeProba, type ForestJob } from './tree/tree-pool.js';

const NAME = 'RandomForestClassifier';

/** A number that is an integer count >= `min`, or a fraction in (0, `maxFraction`) (`]` when `closed`). */
const countOrFraction = (min: number, maxFraction: number, closed: boolean) => {
  const allowed = `an integer >= ${min} or a fraction in (0, ${maxFraction}${closed ? ']' : ')'}`;
  return z.number({ error: allowed }).refine((v) => (Number.isInteger(v) ? v >= min : v > 0 && (closed ? v <= maxFraction : v < maxFraction)), { error: allowed });
};

const maxFeaturesAllowed = '"sqrt", "log2", null, an integer >= 1 or a fraction in (0, 1)';

const schema = z.object({
  n_estimators: param.limitedInt(1, 10_000).default(100),
  criterion: param.choice(['gini']).default('gini'),
  max_depth: param.int(1).nullable().default(null),
  min_samples_split: countOrFraction(2, 1, true).default(2),
  min_samples_leaf: countOrFraction(1, 1, false).default(1),
  max_features: z
    .union([z.enum(['sqrt', 'log2']), z.number().refine((v) => (Number.isInteger(v) ? v >= 1 : v > 0 && v < 1)), z.null()], { error: maxFeaturesAllowed })
    .default('sqrt'),
  bootstrap: param.bool().default(true),
  random_state: param.int(0, 0xffffffff).nullable().default(null),
});

/**
 * RandomForestClassifier parameters, with scikit-learn's names and defaults. Numbers that
 * are integers are counts, others fractions: JSON cannot tell `1.0` from `1`, so use
 * `max_features: null` (not 1.0) for all features. Threads come from GRIDFOLD_THREADS
 * (default: every core) instead of `n_jobs`.
 */
export type RandomForestClassifierParams = z.infer<typeof schema>;

/** Inputs smaller than this (rows x trees) are predicted inline. */
const INLINE_PREDICT = 200_000;

/** Forests smaller than this (rows x trees) grow inline: starting worker threads would cost more. */
const INLINE_WORK = 200_000;

/**
 * scikit-learn 1.2's RandomForestClassifier (gini, best splits, depth-first growth) for
 * class-label targets. Trees are grown exactly as scikit-learn grows them from the same
 * seeds (NumPy's RandomState for tree seeds and bootstraps, `our_rand_r` for feature
 * draws), with each drawn feature searched through a class histogram over its coded
 * values rather than a sort: the candidate thresholds and the chosen splits are the same.
 * Trees grow on worker threads sharing the binned data (see {@link forestThreads}).
 * `predictProba` is the mean of the trees' leaf class fractions; `predict` the first class
 * of highest probability.
 */
export class RandomForestClassifier extends Estimator<RandomForestClassifierParams> implements HasPredictProba {
  readonly name = NAME;
  /** Sorted class labels (scikit-learn's `classes_`). */
  classes?: Int32Array;
  /** The fitted trees (scikit-learn's `estimators_`), in seed order. */
  trees?: TreeArrays[];
  /** Features seen in `fit` (`n_features_in_`). */
  nFeatures?: number;

  /**
   * When set, the forest grows in ten blocks of trees and this is called, and awaited, after each
   * with the number of trees grown and a forest of those trees (to score on validation rows: a
   * learning curve, a pruner's report); not a parameter. Throwing stops the fit. The trees are
   * the same either way (each grows from its own seed), and so are the probabilities.
   */
  onStepModel: ((trees: number, model: RandomForestClassifier) => Promise<void>) | undefined = undefined;

  /** @throws InvalidParameterError naming the parameter and the value given. */
  constructor(params: Partial<RandomForestClassifierParams> = {}) {
    super(parseParams(NAME, schema, params));
  }

  get fitted(): boolean {
    return this.trees !== undefined;
  }

  /**
   * Grows `n_estimators` trees on `X` and integer labels `y`.
   * @throws TypeError for a matrix (multilabel) target.
   * @throws RangeError when `X` and `y` differ in rows, `X` is empty, or a value is not finite as float32.
   */
  async fit(X: Matrix, y: Target): Promise<this> {
    if (!(y instanceof Int32Array)) throw new TypeError(`${NAME}: y must be an Int32Array of class labels; multilabel targets are not supported`);
    if (y.length !== X.rows) throw new RangeError(`${NAME}: X has ${X.rows} rows but y has ${y.length} labels`);
    if (X.rows === 0 || X.cols === 0) throw new RangeError(`${NAME}: X must have at least one sample and one feature, got ${X.rows}x${X.cols}`);
    const p = this.params;
    const classes = Int32Array.from(new Set(y)).sort();
    const index = new Map(Array.from(classes, (c, i) => [c, i]));
    const threads = X.rows * p.n_estimators < INLINE_WORK ? 1 : forestThreads();
    const shared = threads > 1;
    const data = binData(X, shared);
    const codes = allocate(Int32Array, y.length, shared);
    for (let i = 0; i < y.length; i++) codes[i] = index.get(y[i])!;
    // scikit-learn draws every tree's seed first: random_state.randint(MAX_INT) per tree.
    const rs = new RandomState(p.random_state ?? randomInt(0, 0xffffffff));
    const seeds = Array.from({ length: p.n_estimators }, () => rs.randint(0, SKLEARN_MAX_INT));
    const options = treeOptions(p, X.rows, X.cols, classes.length);
    try {
      this.trees = await this.grow({ data, y: codes, options, seeds }, threads, classes, X.cols);
    } finally {
      releaseCodesMemory(data.memory);
    }
    this.classes = classes;
    this.nFeatures = X.cols;
    return this;
  }

  /** The trees of `job`, in blocks reported to {@link onStepModel} when it is set. */
  private async grow(job: ForestJob, threads: number, classes: Int32Array, nFeatures: number): Promise<TreeArrays[]> {
    if (!this.onStepModel) return buildForest(job, threads);
    const { seeds } = job;
    const block = Math.max(1, Math.ceil(seeds.length / 10));
    const trees: TreeArrays[] = [];
    for (let start = 0; start < seeds.length; start += block) {
      trees.push(...(await buildForest({ ...job, seeds: seeds.slice(start, start + block) }, threads)));
      const snapshot = this.cloneWith();
      Object.assign(snapshot, { trees: [...trees], classes, nFeatures });
      await this.onStepModel(trees.length, snapshot);
    }
    return trees;
  }

  /**
   * Mean over the trees of the leaf class fractions, one column per class in `classes` order.
   * Large inputs are walked on the tree threads, rows split between them.
   */
  async predictProba(X: Matrix): Promise<Matrix<Float64Array>> {
    this.checkFitted();
    if (X.cols !== this.nFeatures) throw new RangeError(`${NAME}: X has ${X.cols} features, but the forest was fitted with ${this.nFeatures}`);
    const C = this.classes!.length, n = X.rows, trees = this.trees!;
    const threads = n * trees.length < INLINE_PREDICT ? 1 : forestThreads();
    const out = await sumTreeProba(trees, X.data, n, X.cols, C, threads);
    for (let i = 0; i < out.length; i++) out[i] /= trees.length;
    return new Matrix(out, n, C);
  }

  /** The class of highest mean probability (the first, on ties). */
  async predict(X: Matrix): Promise<Int32Array> {
    const proba = await this.predictProba(X);
    const C = proba.cols, s = proba.data, classes = this.classes!;
    const out = new Int32Array(X.rows);
    for (let i = 0; i < X.rows; i++) {
      let best = 0;
      for (let c = 1; c < C; c++) if (s[i * C + c] > s[i * C + best]) best = c;
      out[i] = classes[best];
    }
    return out;
  }
}

/** scikit-learn's resolution of counts and fractions against the training shape. */
function treeOptions(p: RandomForestClassifierParams, rows: number, cols: number, nClasses: number): TreeOptions {
  const mf = p.max_features;
  const maxFeatures =
    mf === 'sqrt' ? Math.max(1, Math.floor(Math.sqrt(cols)))
    : mf === 'log2' ? Math.max(1, Math.floor(Math.log2(cols)))
    : mf === null ? cols
    : Number.isInteger(mf) ? mf
    : Math.max(1, Math.floor(mf * cols));
  const leaf = p.min_samples_leaf, split = p.min_samples_split;
  const minSamplesLeaf = Number.isInteger(leaf) ? leaf : Math.ceil(leaf * rows);
  const minSamplesSplit = Number.isInteger(split) ? split : Math.max(2, Math.ceil(split * rows));
  return {
    nClasses,
    maxFeatures,
    minSamplesLeaf,
    minSamplesSplit: Math.max(minSamplesSplit, 2 * minSamplesLeaf),
    maxDepth: p.max_depth,
    bootstrap: p.bootstrap,
  };
}
