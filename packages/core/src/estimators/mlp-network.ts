import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';
import type { MlpActivation } from '../kernels/mlp-graphs.js';
import type { Tfjs, TfjsBackendName } from '../kernels/tfjs.js';
import type { NumericArray } from '../matrix.js';
import type { RandomState } from '../random/numpy-random-state.js';
import { Adam } from './mlp-adam.js';
import { OnnxAdam } from './mlp-onnx-adam.js';

export type { MlpActivation };

/**
 * What runs the training steps: TensorFlow.js ops on its backend (`tfjs`), or one
 * onnxruntime session run per mini-batch (`onnx`, `mlp-onnx-adam.ts`).
 */
export type StepKernel = 'tfjs' | 'onnx';

/**
 * The step kernel for a TensorFlow.js backend: tfjs-node's native TensorFlow runs the
 * TensorFlow.js step; under the WASM backend (single-threaded in Node, tfjs issue 3830)
 * and the CPU backend onnxruntime runs it: 2.7x faster an epoch on MNIST, 300 hidden, at load 20
 * (bench/RESULTS.md, "MLP epoch"). Predictions stay on the TensorFlow.js network.
 */
export function stepKernelFor(backend: TfjsBackendName): StepKernel {
  return backend === 'tensorflow' ? 'tfjs' : 'onnx';
}

const TFJS_ACTIVATION = { relu: 'relu', tanh: 'tanh', logistic: 'sigmoid', identity: 'linear' } as const;

/**
 * The weights of a fitted network as plain arrays: `coefs[i]` is the row-major
 * `units[i] x units[i + 1]` matrix of layer i, `intercepts[i]` its biases.
 */
export interface MlpWeights {
  units: number[];
  coefs: Float32Array[];
  intercepts: Float32Array[];
}

/**
 * Rows of training or validation data: features and class indices into `classes`. The
 * features may be any numeric storage; they become float32 as each batch is gathered (a
 * float32 copy of all 60,000 x 784 MNIST features cost ~0.9 s of CPU in page faults alone
 * on this machine, a third of a loaded epoch: bench/RESULTS.md, "MLP epoch").
 */
export interface MlpData {
  X: NumericArray;
  rows: number;
  labels: Int32Array;
}

/** Settings of one Adam training run; names follow scikit-learn's MLPClassifier. */
export interface TrainSettings {
  activation: MlpActivation;
  alpha: number;
  batchSize: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  maxIter: number;
  shuffle: boolean;
  tol: number;
  nIterNoChange: number;
  verbose: boolean;
  /** Draws the epoch permutations, continuing the generator that drew the initial weights. */
  rng: RandomState;
  /** @defaultValue {@link stepKernelFor} the backend TensorFlow.js runs on */
  stepKernel?: StepKernel;
  /** Called after each epoch with the epochs done and `maxIter`. */
  onEpoch?: (epoch: number, maxIter: number) => void;
  /**
   * Called after each epoch, and awaited, with a reader of the weights as they are then (for a
   * validation score per epoch: a report a pruner may stop the fit on, by throwing).
   */
  onEpochWeights?: (epoch: number, read: () => MlpWeights) => Promise<void>;
}

/** What {@link trainNetwork} learned, and scikit-learn's bookkeeping of how it went. */
export interface TrainOutcome {
  weights: MlpWeights;
  /** Mean training loss (cross-entropy + L2 term) per epoch: `loss_curve_`. */
  lossCurve: number[];
  /** Validation accuracy per epoch, with early stopping: `validation_scores_`. */
  validationScores: number[] | null;
  /** Epochs run (`n_iter_`). */
  nIter: number;
}

/**
 * scikit-learn's `_init_coef` for every layer in its draw order: weights then biases,
 * uniform in ±sqrt(factor / (fan_in + fan_out)), factor 2 for logistic, else 6.
 */
export function initialWeights(units: number[], activation: MlpActivation, rng: RandomState): MlpWeights {
  const factor = activation === 'logistic' ? 2 : 6;
  const coefs: Float32Array[] = [];
  const intercepts: Float32Array[] = [];
  for (let i = 0; i + 1 < units.length; i++) {
    const bound = Math.sqrt(factor / (units[i] + units[i + 1]));
    const draw = () => -bound + 2 * bound * rng.randomSample();
    coefs.push(Float32Array.from({ length: units[i] * units[i + 1] }, draw));
    intercepts.push(Float32Array.from({ length: units[i + 1] }, draw));
  }
  return { units, coefs, intercepts };
}

/**
 * Trains with Adam on mini-batches, as scikit-learn's `_fit_stochastic`: each epoch
 * permutes the sample order (numpy's shuffle from the same generator), the loss is the
 * mean cross-entropy plus `0.5 * alpha * ||W||² / batch_size`, and training stops after
 * `nIterNoChange` epochs without the loss falling (or, with `validation`, the accuracy
 * rising) by `tol`. With `validation`, the best-scoring epoch's weights are returned.
 * Every tensor it makes is disposed before it returns.
 */
export async function trainNetwork(tfjs: Tfjs, init: MlpWeights, train: MlpData, validation: MlpData | null, s: TrainSettings): Promise<TrainOutcome> {
  const { tf } = tfjs;
  const [nIn, nOut] = [init.units[0], init.units[init.units.length - 1]];
  const model = buildNetwork(tfjs, init, s.activation);
  const trainer = (s.stepKernel ?? stepKernelFor(tfjs.backend)) === 'onnx' ? await OnnxAdam.create(init, s) : tfjsTrainer(tfjs, model, init.units, s);
  const valX = validation && tf.tensor2d(validation.X instanceof Float32Array ? validation.X : Float32Array.from(validation.X), [validation.rows, nIn]);
  try {
    const lossCurve: number[] = [];
    const validationScores: number[] | null = validation ? [] : null;
    let best = Infinity;
    let bestScore = -Infinity;
    let bestWeights: MlpWeights | null = null;
    let stale = 0;
    const order = Int32Array.from({ length: train.rows }, (_, i) => i);
    const batchX = new Float32Array(s.batchSize * nIn);
    const batchY = new Float32Array(s.batchSize * nOut);
    let nIter = 0;
    while (nIter < s.maxIter) {
      // scikit-learn's `sample_idx = shuffle(sample_idx, random_state)` permutes an arange and
      // takes those rows: the same swaps applied to `order` itself.
      if (s.shuffle) s.rng.shuffle(order);
      let accumulated = 0;
      for (let start = 0; start < train.rows; start += s.batchSize) {
        const rows = order.subarray(start, Math.min(train.rows, start + s.batchSize));
        const [X, Y] = [batchX.subarray(0, rows.length * nIn), batchY.subarray(0, rows.length * nOut)];
        batchRows(train.X, nIn, rows, X);
        batchTargets(train.labels, nOut, rows, Y);
        accumulated += (await trainer.step(X, Y, rows.length)) * rows.length;
      }
      nIter++;
      const loss = accumulated / train.rows;
      lossCurve.push(loss);
      if (s.verbose) process.stderr.write(`Iteration ${nIter}, loss = ${loss.toFixed(8)}\n`);
      if (validation) {
        if (trainer instanceof OnnxAdam) setNetworkWeights(tf, model, trainer.weights());
        const score = accuracy(tf, forward(tfjs, model, valX!), validation.labels);
        validationScores!.push(score);
        stale = score < bestScore + s.tol ? stale + 1 : 0;
        if (score > bestScore) {
          bestScore = score;
          bestWeights = trainer.weights();
        }
      } else {
        stale = loss > best - s.tol ? stale + 1 : 0;
        best = Math.min(best, loss);
      }
      s.onEpoch?.(nIter, s.maxIter);
      if (s.onEpochWeights) await s.onEpochWeights(nIter, () => trainer.weights());
      // Let the sandboxed job send its progress and heartbeats between epochs.
      await new Promise((resolve) => setImmediate(resolve));
      if (stale > s.nIterNoChange) break;
    }
    return { weights: bestWeights ?? trainer.weights(), lossCurve, validationScores, nIter };
  } finally {
    model.dispose();
    trainer.dispose();
    valX?.dispose();
  }
}

/** One optimiser step per mini-batch, and the weights it has reached. */
interface Trainer {
  /** Updates the weights on `rows` rows of features `X` and targets `Y`; returns the batch loss. */
  step(X: Float32Array, Y: Float32Array, rows: number): Promise<number> | number;
  weights(): MlpWeights;
  dispose(): void;
}

/** The TensorFlow.js step (`mlp-adam.ts`) on the variables of `model`. */
function tfjsTrainer({ tf }: Tfjs, model: TfLayers.Sequential, units: number[], s: TrainSettings): Trainer {
  const adam = new Adam(tf, model, s);
  const [nIn, nOut] = [units[0], units[units.length - 1]];
  return {
    step: (X, Y, rows) => adam.step(tf.tensor2d(X, [rows, nIn]), tf.tensor2d(Y, [rows, nOut]), rows),
    weights: () => readWeights(model, units),
    dispose: () => adam.dispose(),
  };
}

/** Copies the rows `rows` of `X` into `out`, as float32 (in JS: WASM's gather is slower). */
function batchRows(X: NumericArray, cols: number, rows: Int32Array, out: Float32Array): void {
  for (let i = 0; i < rows.length; i++) out.set(X.subarray(rows[i] * cols, (rows[i] + 1) * cols), i * cols);
}

/** Writes one-hot rows for softmax outputs, or the 0/1 column for a single logistic output, into `out`. */
function batchTargets(labels: Int32Array, nOut: number, rows: Int32Array, out: Float32Array): void {
  if (nOut > 1) out.fill(0);
  for (let i = 0; i < rows.length; i++) {
    if (nOut === 1) out[i] = labels[rows[i]];
    else out[i * nOut + labels[rows[i]]] = 1;
  }
}

/**
 * Output probabilities of a network for the rows of `X`: softmax over the classes, or for
 * one output unit the logistic probability of the positive class. Rows go through in
 * chunks so that the activations of a large test set stay small.
 */
export function predictNetwork(tfjs: Tfjs, weights: MlpWeights, activation: MlpActivation, X: Float32Array, rows: number): Float32Array {
  const { tf } = tfjs;
  const [nIn, nOut] = [weights.units[0], weights.units[weights.units.length - 1]];
  const model = buildNetwork(tfjs, weights, activation);
  const out = new Float32Array(rows * nOut);
  const chunk = 4096;
  try {
    for (let start = 0; start < rows; start += chunk) {
      const end = Math.min(rows, start + chunk);
      tf.tidy(() => {
        const logits = forward(tfjs, model, tf.tensor2d(X.subarray(start * nIn, end * nIn), [end - start, nIn]));
        out.set((nOut === 1 ? tf.sigmoid(logits) : tf.softmax(logits)).dataSync(), start * nOut);
      });
    }
  } finally {
    model.dispose();
  }
  return out;
}

/** A Sequential of Dense layers holding `weights`; the last layer gives logits. */
function buildNetwork({ tf, layers }: Tfjs, weights: MlpWeights, activation: MlpActivation): TfLayers.Sequential {
  const { units } = weights;
  const model = layers.sequential();
  for (let i = 1; i < units.length; i++) {
    model.add(layers.layers.dense({
      units: units[i],
      inputShape: i === 1 ? [units[0]] : undefined,
      activation: i === units.length - 1 ? 'linear' : TFJS_ACTIVATION[activation],
      kernelInitializer: 'zeros',
      biasInitializer: 'zeros',
    }));
  }
  setNetworkWeights(tf, model, weights);
  return model;
}

function setNetworkWeights(tf: typeof TfCore, model: TfLayers.Sequential, { units, coefs, intercepts }: MlpWeights): void {
  const values = coefs.flatMap((w, i) => [tf.tensor2d(w, [units[i], units[i + 1]]), tf.tensor1d(intercepts[i])]);
  model.setWeights(values);
  tf.dispose(values);
}

/** Logits of `X` (a new tensor; `X` is kept). */
function forward(tfjs: Tfjs, model: TfLayers.Sequential, X: TfCore.Tensor2D): TfCore.Tensor2D {
  return tfjs.tf.tidy(() => model.apply(X, { training: false }) as TfCore.Tensor2D);
}

function readWeights(model: TfLayers.Sequential, units: number[]): MlpWeights {
  const values = model.getWeights().map((w) => w.dataSync() as Float32Array);
  return {
    units,
    coefs: values.filter((_, i) => i % 2 === 0).map((v) => Float32Array.from(v)),
    intercepts: values.filter((_, i) => i % 2 === 1).map((v) => Float32Array.from(v)),
  };
}

/** Accuracy of logits against class indices (disposes `logits`). */
function accuracy(tf: typeof TfCore, logits: TfCore.Tensor2D, labels: Int32Array): number {
  const predicted = tf.tidy(() => (logits.shape[1] === 1 ? tf.cast(tf.squeeze(tf.greater(logits, 0), [1]), 'int32') : tf.argMax(logits, 1)));
  const pred = predicted.dataSync();
  tf.dispose([predicted, logits]);
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) hits++;
  return hits / labels.length;
}
