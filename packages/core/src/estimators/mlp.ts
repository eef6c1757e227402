import { z } from 'zod';
import { loadTfjs, type TfjsBackendName } from '../kernels/tfjs.js';
import { Matrix, type Target } from '../matrix.js';
import { RandomState } from '../random/numpy-random-state.js';
import { Estimator, type HasPredictProba } from './base.js';
import { initialWeights, predictNetwork, trainNetwork, type MlpData, type MlpWeights } from './mlp-network.js';
import { param, parseParams, withLimit } from './params.js';

const fraction = (error: string) => z.number({ error }).gt(0, { error }).lt(1, { error });
const unitInterval = (error: string) => z.number({ error }).min(0, { error }).lt(1, { error });

const AUTO_OR_INT = '"auto" or an integer >= 1';

/** gridfold's limits on the hidden layers: the weights between two of them are allocated (float32) with Adam's two moments. */
const MAX_LAYERS = 16;
const MAX_UNITS = 65_536;
/** 2**26 weights: 256 MB per weight array, about 1 GB with gradients and Adam's moments. */
const MAX_HIDDEN_WEIGHTS = 2 ** 26;
const LAYERS = `an integer >= 1 or a list of them (gridfold's limits: at most ${MAX_LAYERS} layers of at most ${MAX_UNITS} units, ${MAX_HIDDEN_WEIGHTS} weights between hidden layers)`;

function withinLayerLimits(sizes: number | number[]): boolean {
  const layers = typeof sizes === 'number' ? [sizes] : sizes;
  let weights = 0;
  for (let i = 1; i < layers.length; i++) weights += layers[i - 1] * layers[i];
  return layers.length <= MAX_LAYERS && layers.every((n) => n <= MAX_UNITS) && weights <= MAX_HIDDEN_WEIGHTS;
}

const schema = z.object({
  hidden_layer_sizes: withLimit(z.union([param.int(1), z.array(param.int(1))], { error: LAYERS }), withinLayerLimits, LAYERS).default([100]),
  activation: param.choice(['relu', 'tanh', 'logistic', 'identity']).default('relu'),
  solver: param.choice(['adam']).default('adam'),
  alpha: param.number(0).default(1e-4),
  batch_size: z.union([z.literal('auto'), z.number().int({ error: AUTO_OR_INT }).min(1, { error: AUTO_OR_INT })], { error: AUTO_OR_INT }).default('auto'),
  learning_rate_init: param.number(0, true).default(1e-3),
  max_iter: param.limitedInt(1, 100_000).default(200),
  shuffle: param.bool().default(true),
  random_state: z
    .number({ error: 'an integer in [0, 2**32 - 1] or null' })
    .int({ error: 'an integer in [0, 2**32 - 1] or null' })
    .min(0, { error: 'an integer in [0, 2**32 - 1] or null' })
    .max(0xffffffff, { error: 'an integer in [0, 2**32 - 1] or null' })
    .nullable()
    .default(null),
  tol: param.number(0).default(1e-4),
  verbose: param.bool().default(false),
  early_stopping: param.bool().default(false),
  validation_fraction: fraction('a number in (0, 1)').default(0.1),
  beta_1: unitInterval('a number in [0, 1)').default(0.9),
  beta_2: unitInterval('a number in [0, 1)').default(0.999),
  epsilon: param.number(0, true).default(1e-8),
  n_iter_no_change: param.int(1).default(10),
});

/** MLPClassifier parameters, with scikit-learn's names and defaults (solver "adam" only). */
export type MLPClassifierParams = z.infer<typeof schema>;

/**
 * Multi-layer perceptron classifier trained with Adam on TensorFlow.js layers, after
 * scikit-learn 1.2's `MLPClassifier(solver="adam")`: same parameters, the same seeded
 * initial weights and epoch shuffles (numpy RandomState draws), the same loss (mean
 * cross-entropy + `0.5 * alpha * ||W||² / batch_size`) and stopping rule. Two classes use
 * one logistic output unit, more use softmax. Like scikit-learn it does not scale inputs:
 * put a StandardScaler before it. Arithmetic is float32, so seeded scores are
 * reproducible on one backend and close, not identical, to scikit-learn's. Under the WASM
 * and CPU backends the training steps run in onnxruntime (`mlp-onnx-adam.ts`, on the kernel
 * settings' threads); under tfjs-node in TensorFlow.js; predictions always in TensorFlow.js.
 */
export class MLPClassifier extends Estimator<MLPClassifierParams> implements HasPredictProba {
  readonly name = 'MLPClassifier';
  /** Sorted class labels (`classes_`). */
  classes?: Int32Array;
  /** Fitted weights: `coefs_` and `intercepts_` as float32, with the layer sizes. */
  weights?: MlpWeights;
  /** Mean training loss per epoch (`loss_curve_`). */
  lossCurve?: number[];
  /** Validation accuracy per epoch when `early_stopping` (`validation_scores_`). */
  validationScores?: number[];
  /** Epochs run (`n_iter_`). */
  nIter?: number;
  /** The TensorFlow.js backend the fit ran on: "tensorflow", "wasm" or "cpu". */
  backend?: TfjsBackendName;
  /** scikit-learn's ConvergenceWarning text when `max_iter` epochs ran out, else undefined. */
  convergenceWarning?: string;
  /**
   * Called after each epoch with the epochs done and `max_iter`; not a parameter (clones
   * do not carry it). fitAndScore sets it to report a fit's progress as job progress.
   */
  onEpoch: ((epoch: number, maxIter: number) => void) | undefined = undefined;
  /**
   * Called after each epoch, and awaited, with an estimator fitted with the weights of that
   * epoch (to score it on validation rows: a learning curve, a pruner's report); not a
   * parameter. Throwing stops the fit.
   */
  onStepModel: ((epoch: number, model: MLPClassifier) => Promise<void>) | undefined = undefined;

  /** @throws InvalidParameterError naming the parameter and the value given. */
  constructor(params: Partial<MLPClassifierParams> = {}) {
    super(parseParams('MLPClassifier', schema, params));
  }

  get fitted(): boolean {
    return this.weights !== undefined;
  }

  /** Fits on `X` (as float32) and integer labels `y`. */
  async fit(X: Matrix, y: Target): Promise<this> {
    if (!(y instanceof Int32Array)) throw new TypeError('MLPClassifier: y must be an Int32Array of class labels');
    if (y.length !== X.rows) throw new RangeError(`MLPClassifier: X has ${X.rows} rows but y has ${y.length} labels`);
    const p = this.params;
    const classes = Int32Array.from(new Set(y)).sort();
    if (classes.length < 2) throw new RangeError(`MLPClassifier: the number of classes has to be greater than one; got ${classes.length} class`);
    const labels = Int32Array.from(y, (label) => classes.indexOf(label));
    const hidden = typeof p.hidden_layer_sizes === 'number' ? [p.hidden_layer_sizes] : p.hidden_layer_sizes;
    const units = [X.cols, ...hidden, classes.length === 2 ? 1 : classes.length];
    const rng = new RandomState(p.random_state ?? Math.floor(Math.random() * 0x100000000));
    const init = initialWeights(units, p.activation, rng);
    const { train, validation } = p.early_stopping ? holdout(X, labels, p.validation_fraction, rng) : { train: asData(X, labels), validation: null };
    const tfjs = await loadTfjs();
    const outcome = await trainNetwork(tfjs, init, train, validation, {
      activation: p.activation,
      alpha: p.alpha,
      batchSize: p.batch_size === 'auto' ? Math.min(200, train.rows) : Math.min(p.batch_size, train.rows),
      learningRate: p.learning_rate_init,
      beta1: p.beta_1,
      beta2: p.beta_2,
      epsilon: p.epsilon,
      maxIter: p.max_iter,
      shuffle: p.shuffle,
      tol: p.tol,
      nIterNoChange: p.n_iter_no_change,
      verbose: p.verbose,
      rng,
      onEpoch: this.onEpoch,
      onEpochWeights:
        this.onStepModel &&
        (async (epoch, read) => {
          const snapshot = this.cloneWith();
          snapshot.classes = classes;
          snapshot.weights = read();
          await this.onStepModel!(epoch, snapshot);
        }),
    });
    this.classes = classes;
    this.weights = outcome.weights;
    this.lossCurve = outcome.lossCurve;
    this.validationScores = outcome.validationScores ?? undefined;
    this.nIter = outcome.nIter;
    this.backend = tfjs.backend;
    this.convergenceWarning = outcome.nIter === p.max_iter
      ? `Stochastic Optimizer: Maximum iterations (${p.max_iter}) reached and the optimization hasn't converged yet.`
      : undefined;
    return this;
  }

  /** Class probabilities, one column per class in `classes` order (rows sum to 1). */
  async predictProba(X: Matrix): Promise<Matrix<Float64Array>> {
    this.checkFitted();
    const w = this.weights!;
    if (X.cols !== w.units[0]) throw new RangeError(`MLPClassifier: X has ${X.cols} features, but the model was fitted with ${w.units[0]}`);
    const out = predictNetwork(await loadTfjs(), w, this.params.activation, X.toFloat32().data, X.rows);
    if (this.classes!.length > 2) return new Matrix(Float64Array.from(out), X.rows, this.classes!.length);
    const both = new Float64Array(2 * X.rows);
    for (let i = 0; i < X.rows; i++) {
      both[2 * i] = 1 - out[i];
      both[2 * i + 1] = out[i];
    }
    return new Matrix(both, X.rows, 2);
  }

  /** The most probable class (ties to the first); for two classes, `classes[1]` when its probability is > 0.5. */
  async predict(X: Matrix): Promise<Int32Array> {
    const proba = await this.predictProba(X);
    const classes = this.classes!;
    const k = proba.cols, p = proba.data;
    const out = new Int32Array(X.rows);
    for (let i = 0; i < X.rows; i++) {
      if (k === 2) {
        out[i] = classes[p[2 * i + 1] > 0.5 ? 1 : 0];
        continue;
      }
      let best = 0;
      for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
      out[i] = classes[best];
    }
    return out;
  }
}

/** The training rows as they are: batches are converted to float32 as they are gathered. */
function asData(X: Matrix, labels: Int32Array): MlpData {
  return { X: X.data, rows: X.rows, labels };
}

/**
 * The early-stopping split. scikit-learn draws it with `train_test_split` from the same
 * generator: for more than two classes an unstratified ShuffleSplit, reproduced here
 * draw for draw (validation = the first ceil(fraction * n) rows of one permutation, the
 * training rows in the order of the rest). For two classes scikit-learn stratifies; this
 * split does not, so binary early stopping holds out other rows than scikit-learn's.
 */
function holdout(X: Matrix, labels: Int32Array, validationFraction: number, rng: RandomState): { train: MlpData; validation: MlpData } {
  const n = X.rows;
  const nTest = Math.ceil(validationFraction * n);
  if (nTest >= n) throw new RangeError(`MLPClassifier: validation_fraction=${validationFraction} leaves no training rows out of ${n}`);
  const order = rng.permutation(n);
  const part = (rows: Int32Array): MlpData => ({ X: X.take(rows).toFloat32().data, rows: rows.length, labels: Int32Array.from(rows, (r) => labels[r]) });
  return { validation: part(order.subarray(0, nTest)), train: part(order.subarray(nTest)) };
}
