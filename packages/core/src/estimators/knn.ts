import { z } from 'zod';
import { NeighborIndex, type Neighbors } from '../kernels/neighbors.js';
import { pairwiseSum } from '../metrics/numpy-sum.js';
import { Matrix, targetLength, type NumericArray, type Target } from '../matrix.js';
import { Estimator, InvalidParameterError, type HasPredictProba, type OutputMethod, type Params, type SharedFit, type SharesFit } from './base.js';
import { param, parseParams } from './params.js';

const NAME = 'KNeighborsClassifier';

const schema = z.object({
  n_neighbors: param.int(1).default(5),
  weights: param.choice(['uniform', 'distance']).default('uniform'),
});

/** Parameters of {@link KNeighborsClassifier} (scikit-learn names). */
export type KNeighborsClassifierParams = {
  /** Neighbours that vote. @defaultValue 5 */
  n_neighbors: number;
  /** `uniform`: one vote each; `distance`: votes weighted by 1/distance. @defaultValue 'uniform' */
  weights: 'uniform' | 'distance';
};

/** One output column of the target, encoded: sorted class values and each row's class index. */
interface EncodedOutput {
  classes: Float64Array;
  codes: Int32Array;
}

interface FittedState {
  index: NeighborIndex;
  outputs: EncodedOutput[];
  /** The constructor of a matrix target's data, so predictions keep its element type. */
  matrixTarget?: new (n: number) => NumericArray;
  /**
   * Estimators of a shared group (see fitShared) hold one memo: the last input's neighbours at
   * the group's largest n_neighbors, so the group searches each input once.
   */
  memo?: { k: number; input?: Matrix; neighbors?: Neighbors };
}

/** What {@link KNeighborsClassifier.kneighbors} returns, as scikit-learn's `kneighbors`. */
export interface KNeighborsResult {
  /** Euclidean distances (not squared), queries x k, ascending. */
  distances: Matrix<Float64Array>;
  /** Training row indices, queries x k. */
  indices: Matrix<Int32Array>;
}

/**
 * scikit-learn 1.2's KNeighborsClassifier with brute-force Euclidean search: exact
 * neighbours (ties to the lower training index), uniform or 1/distance votes, ties to the
 * smallest class. A matrix target is multilabel/multioutput: each column is its own
 * classification with its own classes. `fit` keeps a reference to `X` (no copy): do not
 * modify it while the estimator is in use.
 */
export class KNeighborsClassifier extends Estimator<KNeighborsClassifierParams> implements HasPredictProba, SharesFit {
  readonly name = NAME;
  /** Its fit stores the training rows; its cost is in the queries, so a task may be split by them (see evaluate/parts.ts). */
  static readonly splitsQueries = true;
  private state?: FittedState;

  constructor(params?: Partial<KNeighborsClassifierParams>) {
    super(parseParams(NAME, schema, params));
  }

  get fitted(): boolean {
    return this.state !== undefined;
  }

  /** Sorted class values, one array per output column (one for label targets). */
  get classes(): Float64Array[] {
    return this.fittedState().outputs.map((o) => o.classes);
  }

  /**
   * Stores the training data and encodes the classes.
   * @throws RangeError when `X` and `y` differ in rows or `X` is empty or not finite.
   * @throws InvalidParameterError when n_neighbors exceeds the number of samples.
   */
  async fit(X: Matrix, y: Target): Promise<this> {
    if (X.rows !== targetLength(y)) {
      throw new RangeError(`${NAME}: X has ${X.rows} samples but y has ${targetLength(y)}`);
    }
    if (X.rows === 0 || X.cols === 0) throw new RangeError(`${NAME}: X must have at least one sample and one feature, got ${X.rows}x${X.cols}`);
    checkNeighbors(this.params.n_neighbors, X.rows);
    const outputs = y instanceof Matrix
      ? Array.from({ length: y.cols }, (_, c) => encode(Array.from({ length: y.rows }, (_, r) => y.get(r, c))))
      : [encode(y)];
    this.state = {
      index: new NeighborIndex(X),
      outputs,
      matrixTarget: y instanceof Matrix ? (y.data.constructor as new (n: number) => NumericArray) : undefined,
    };
    return this;
  }

  /**
   * Every `n_neighbors` and `weights` share one fit and one neighbour search (at the largest
   * n_neighbors), for scorers that work from predictions.
   */
  shareKey(output: OutputMethod): string | null {
    if (output !== 'predict') return null;
    const { n_neighbors: _k, weights: _w, ...rest } = this.params;
    return `knn:${JSON.stringify(rest)}`;
  }

  /** Fits one index for the group; each member's predictions come from one search per input. */
  async fitShared(group: readonly Estimator[], X: Matrix, y: Target): Promise<SharedFit> {
    const members = group.map((e) => {
      if (!(e instanceof KNeighborsClassifier)) throw new TypeError(`${NAME}.fitShared: every member must be a ${NAME}, got ${e.name}`);
      return e;
    });
    const maxK = Math.max(...members.map((e) => e.params.n_neighbors));
    const shared = await new KNeighborsClassifier({ ...this.params, n_neighbors: maxK }).fit(X, y);
    const state: FittedState = { ...shared.fittedState(), memo: { k: maxK } };
    return {
      fitCell: async (i) => {
        const member = members[i].cloneWith();
        member.state = state;
        return member;
      },
    };
  }

  /** The neighbours of `X` for voting with k <= the search's k: from the group's memo when it has them. */
  private async neighbors(X: Matrix, k: number): Promise<Neighbors> {
    const state = this.fittedState();
    const memo = state.memo;
    if (!memo || k > memo.k) return state.index.search(X, k);
    if (memo.input !== X) {
      memo.neighbors = await state.index.search(X, memo.k);
      memo.input = X;
    }
    return memo.neighbors!;
  }

  /** The `nNeighbors` (default n_neighbors) nearest training rows of each row of `X`. */
  async kneighbors(X: Matrix, nNeighbors = this.params.n_neighbors): Promise<KNeighborsResult> {
    const state = this.fittedState();
    checkNeighbors(nNeighbors, state.index.rows);
    const nb = await state.index.search(X, nNeighbors);
    return {
      distances: new Matrix(nb.sqDistances.map(Math.sqrt), nb.rows, nb.k),
      indices: new Matrix(nb.indices, nb.rows, nb.k),
    };
  }

  /** Class labels (Int32Array), or a matrix with one predicted class per output column. */
  async predict(X: Matrix): Promise<Target> {
    const [pred] = await this.predictMany(X, [this.params]);
    return pred;
  }

  /**
   * Predictions for several parameter sets from one neighbour search at the largest
   * n_neighbors: identical to fitting and predicting with each separately.
   * Missing parameters take this estimator's values.
   */
  async predictMany(X: Matrix, paramsList: Partial<KNeighborsClassifierParams>[]): Promise<Target[]> {
    const state = this.fittedState();
    const all = paramsList.map((p) => parseParams(NAME, schema, { ...this.params, ...p } as Params) as KNeighborsClassifierParams);
    if (all.length === 0) return [];
    const maxK = Math.max(...all.map((p) => p.n_neighbors));
    checkNeighbors(maxK, state.index.rows);
    const nb = await this.neighbors(X, maxK);
    return all.map((p) => {
      const weights = p.weights === 'distance' ? distanceWeights(nb, p.n_neighbors) : undefined;
      const columns = state.outputs.map((o) => voteClasses(nb, p.n_neighbors, o, weights));
      if (!state.matrixTarget) return Int32Array.from(columns[0], (c) => state.outputs[0].classes[c]);
      const data = new state.matrixTarget(nb.rows * columns.length);
      columns.forEach((col, j) => col.forEach((c, i) => (data[i * columns.length + j] = state.outputs[j].classes[c])));
      return new Matrix(data, nb.rows, columns.length);
    });
  }

  /**
   * Class probabilities, one column per class in sorted class order.
   * @throws RangeError for a matrix target: use {@link predictProbaPerOutput}.
   */
  async predictProba(X: Matrix): Promise<Matrix<Float64Array>> {
    if (this.fittedState().outputs.length !== 1) {
      throw new RangeError(`${NAME}: predictProba needs a single-output target; use predictProbaPerOutput`);
    }
    return (await this.predictProbaPerOutput(X))[0];
  }

  /** Class probabilities for each output column, as scikit-learn's list for 2-D targets. */
  async predictProbaPerOutput(X: Matrix): Promise<Matrix<Float64Array>[]> {
    const state = this.fittedState();
    const k = this.params.n_neighbors;
    const nb = await this.neighbors(X, k);
    const weights = this.params.weights === 'distance' ? distanceWeights(nb, k) : undefined;
    return state.outputs.map((o) => probabilities(nb, k, o, weights));
  }

  private fittedState(): FittedState {
    this.checkFitted();
    return this.state as FittedState;
  }
}

function checkNeighbors(k: number, samples: number): void {
  if (k > samples) throw new InvalidParameterError(`${NAME}: n_neighbors must be <= n_samples (${samples}), got ${k}`);
}

function encode(values: ArrayLike<number>): EncodedOutput {
  const classes = Float64Array.from(new Set(Array.from(values))).sort();
  const code = new Map<number, number>();
  classes.forEach((c, i) => code.set(c, i));
  return { classes, codes: Int32Array.from(values, (v) => code.get(v) as number) };
}

/**
 * scikit-learn 1.2's `_get_weights` for the first `k` neighbours: 1/distance, except in a
 * row with a zero distance, where zero-distance neighbours weigh 1 and the others 0.
 */
function distanceWeights(nb: Neighbors, k: number): Float64Array {
  const w = new Float64Array(nb.rows * k);
  for (let i = 0; i < nb.rows; i++) {
    let anyInfinite = false;
    for (let j = 0; j < k; j++) {
      w[i * k + j] = 1 / Math.sqrt(nb.sqDistances[i * nb.k + j]);
      if (w[i * k + j] === Infinity) anyInfinite = true;
    }
    if (anyInfinite) for (let j = 0; j < k; j++) w[i * k + j] = w[i * k + j] === Infinity ? 1 : 0;
  }
  return w;
}

/**
 * The winning class index per query. Uniform: most votes (scipy's mode). Distance:
 * scikit-learn's `weighted_mode`, whose per-class totals are numpy sums over the k
 * neighbours with zeros for other classes (pairwise summation, reproduced bit for bit).
 * Ties go to the smallest class in both.
 */
function voteClasses(nb: Neighbors, k: number, output: EncodedOutput, weights?: Float64Array): Int32Array {
  const nClasses = output.classes.length;
  const result = new Int32Array(nb.rows);
  const counts = new Float64Array(nClasses);
  const template = new Float64Array(k);
  for (let i = 0; i < nb.rows; i++) {
    counts.fill(0);
    if (weights) {
      for (let c = 0; c < nClasses; c++) {
        for (let j = 0; j < k; j++) template[j] = output.codes[nb.indices[i * nb.k + j]] === c ? weights[i * k + j] : 0;
        counts[c] = pairwiseSum(template, 0, k);
      }
    } else {
      for (let j = 0; j < k; j++) counts[output.codes[nb.indices[i * nb.k + j]]] += 1;
    }
    let best = 0;
    for (let c = 1; c < nClasses; c++) if (counts[c] > counts[best]) best = c;
    result[i] = best;
  }
  return result;
}

/** scikit-learn 1.2's `predict_proba`: votes added in neighbour order, then normalised. */
function probabilities(nb: Neighbors, k: number, output: EncodedOutput, weights?: Float64Array): Matrix<Float64Array> {
  const nClasses = output.classes.length;
  const proba = new Float64Array(nb.rows * nClasses);
  for (let i = 0; i < nb.rows; i++) {
    for (let j = 0; j < k; j++) proba[i * nClasses + output.codes[nb.indices[i * nb.k + j]]] += weights ? weights[i * k + j] : 1;
    const total = pairwiseSum(proba, i * nClasses, nClasses) || 1;
    for (let c = 0; c < nClasses; c++) proba[i * nClasses + c] /= total;
  }
  return new Matrix(proba, nb.rows, nClasses);
}
