/**
 * The inner loop of scikit-learn 1.2's `_plain_sgd` (sklearn/linear_model/_sgd_fast.pyx)
 * for one binary problem. Rows are read through {@link SgdRows}, which sums over nonzero
 * entries only: skipping zeros does not change a single sum (x*w = 0 adds nothing), so
 * results match the dense loop while an MNIST epoch touches about a fifth of the pixels.
 */
import { shuffleLikeSklearn } from '../random/our-rand-r.js';
import type { SgdRows } from './sgd-rows.js';

export type SgdLoss = 'hinge' | 'log_loss' | 'modified_huber' | 'squared_hinge' | 'perceptron';
export type SgdPenalty = 'l2' | 'l1' | 'elasticnet' | null;
export type SgdLearningRate = 'optimal' | 'constant' | 'invscaling' | 'adaptive';

/** Everything `_plain_sgd` takes for a dense, unweighted dataset. */
export interface PlainSgdOptions {
  loss: SgdLoss;
  penalty: SgdPenalty;
  alpha: number;
  l1Ratio: number;
  maxIter: number;
  /** `-Infinity` disables the stopping test, as scikit-learn's `tol=None`. */
  tol: number;
  nIterNoChange: number;
  fitIntercept: boolean;
  shuffle: boolean;
  /** The uint32 seed of `our_rand_r`, the same for every epoch. */
  seed: number;
  learningRate: SgdLearningRate;
  eta0: number;
  powerT: number;
  /** Step at which averaging starts (1 = from the first sample); 0 = no averaging. */
  average: number;
  /** Rows held out for early stopping (nonzero = held out), or null to stop on the training loss. */
  validationMask: Uint8Array | null;
}

/** The fitted binary model: weights already multiplied by their scale. */
export interface PlainSgdResult {
  weights: Float64Array;
  intercept: number;
  averageWeights: Float64Array | null;
  averageIntercept: number;
  /** Epochs run (scikit-learn's `n_iter_`). */
  nIter: number;
}

export const MAX_DLOSS = 1e12;
export const WSCALE_THRESHOLD = 1e-9;

export function lossAt(loss: SgdLoss, p: number, y: number): number {
  const z = p * y;
  switch (loss) {
    case 'hinge': return z <= 1 ? 1 - z : 0;
    case 'perceptron': return z <= 0 ? -z : 0;
    case 'log_loss': return z > 18 ? Math.exp(-z) : z < -18 ? -z : Math.log(1 + Math.exp(-z));
    case 'squared_hinge': return z < 1 ? (1 - z) * (1 - z) : 0;
    case 'modified_huber': return z >= 1 ? 0 : z >= -1 ? (1 - z) * (1 - z) : -4 * z;
  }
}

export function dlossAt(loss: SgdLoss, p: number, y: number): number {
  const z = p * y;
  switch (loss) {
    case 'hinge': return z <= 1 ? -y : 0;
    case 'perceptron': return z <= 0 ? -y : 0;
    case 'log_loss': return z > 18 ? Math.exp(-z) * -y : z < -18 ? -y : -y / (Math.exp(z) + 1);
    case 'squared_hinge': return 1 - z > 0 ? -2 * y * (1 - z) : 0;
    case 'modified_huber': return z >= 1 ? 0 : z >= -1 ? 2 * (1 - z) * -y : -4 * y;
  }
}

/**
 * Runs plain SGD on `X` with targets `y` in {-1, +1}, starting from zero weights and
 * step `t = 1`. The weight vector is kept as `wscale * w` so the L2 decay of every step
 * is one multiplication, as in scikit-learn's `WeightVector`.
 * @throws Error when the weights or intercept stop being finite, with scikit-learn's advice.
 */
export function plainSgd(X: SgdRows, y: Float64Array, o: PlainSgdOptions): PlainSgdResult {
  const { rows: n, cols: d } = X;
  const w = X.weights.fill(0);
  const aw = o.average > 0 ? X.averageWeights.fill(0) : null;
  const l1 = o.penalty === 'l1' || o.penalty === 'elasticnet';
  const q = l1 ? new Float64Array(d) : null;
  const l1Ratio = o.penalty === 'l2' ? 0 : o.penalty === 'l1' ? 1 : o.l1Ratio;
  const { alpha, loss, learningRate, validationMask: mask } = o;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let wscale = 1, intercept = 0, averageA = 0, averageB = 1, averageIntercept = 0, u = 0;
  let eta = o.eta0, t = 1, optimalInit = 0;
  if (learningRate === 'optimal') {
    const typw = Math.sqrt(1 / Math.sqrt(alpha));
    const initialEta0 = typw / Math.max(1, dlossAt(loss, -typw, 1));
    optimalInit = 1 / (initialEta0 * alpha);
  }
  // The next row's dot is computed alongside this row's and kept while w is unchanged (most
  // steps of a fitted model: no loss, only wscale decays). The L1 truncation changes w on
  // every step, so it gets no pairs.
  const pairs = q === null;
  let pairedRow = -1, pairedDot = 0;
  let bestLoss = Infinity, bestScore = -Infinity, noImprovement = 0, epoch = 0;
  for (; epoch < o.maxIter; epoch++) {
    let sumloss = 0;
    if (o.shuffle) shuffleLikeSklearn(order, o.seed);
    pairedRow = -1;
    for (let k = 0; k < n; k++) {
      const i = order[k];
      if (mask !== null && mask[i]) continue;
      let dot: number;
      if (pairedRow === i) dot = pairedDot;
      else if (pairs && k + 1 < n) {
        pairedRow = order[k + 1];
        dot = X.dotPair(i, pairedRow);
        pairedDot = X.pairedDot;
      } else dot = X.dot(i);
      const p = dot * wscale + intercept;
      const yi = y[i];
      if (learningRate === 'optimal') eta = 1 / (alpha * (optimalInit + t - 1));
      else if (learningRate === 'invscaling') eta = o.eta0 / Math.pow(t, o.powerT);
      if (mask === null) sumloss += lossAt(loss, p, yi);
      const dloss = Math.min(MAX_DLOSS, Math.max(-MAX_DLOSS, dlossAt(loss, p, yi)));
      const update = -eta * dloss;
      if (o.penalty !== null && o.penalty !== 'l1') {
        // Clamped at 0: a too-large eta * alpha zeroes the weights instead of flipping them.
        wscale *= Math.max(0, 1 - (1 - l1Ratio) * eta * alpha);
        if (wscale < WSCALE_THRESHOLD) {
          resetScale(w, aw, wscale, averageA, averageB);
          wscale = 1;
          averageA = 0;
          averageB = 1;
          pairedRow = -1;
        }
      }
      if (update !== 0) {
        X.add(i, update / wscale);
        if (o.fitIntercept) intercept += update;
        pairedRow = -1;
      }
      if (aw !== null && o.average <= t) {
        const steps = t - o.average + 1;
        const mu = 1 / steps;
        X.addAverage(i, averageA, -update / wscale);
        if (steps > 1) averageB /= 1 - mu;
        averageA += mu * averageB * wscale;
        averageIntercept += (intercept - averageIntercept) / steps;
      }
      if (q !== null) {
        // Dense input in scikit-learn lists every feature, so the truncation visits all of them.
        u += l1Ratio * eta * alpha;
        for (let j = 0; j < d; j++) {
          const z = w[j];
          if (wscale * z > 0) w[j] = Math.max(0, w[j] - (u + q[j]) / wscale);
          else if (wscale * z < 0) w[j] = Math.min(0, w[j] + (u - q[j]) / wscale);
          q[j] += wscale * (w[j] - z);
        }
      }
      t += 1;
    }
    if (!Number.isFinite(intercept) || w.some((v) => !Number.isFinite(v))) {
      throw new Error(`Floating-point under-/overflow occurred at epoch #${epoch + 1}. Scaling input data with StandardScaler or MinMaxScaler might help.`);
    }
    if (mask !== null) {
      const score = validationAccuracy(X, y, mask, intercept);
      noImprovement = o.tol > -Infinity && score < bestScore + o.tol ? noImprovement + 1 : 0;
      if (score > bestScore) bestScore = score;
    } else {
      noImprovement = o.tol > -Infinity && sumloss > bestLoss - o.tol * n ? noImprovement + 1 : 0;
      if (sumloss < bestLoss) bestLoss = sumloss;
    }
    if (noImprovement >= o.nIterNoChange) {
      if (learningRate === 'adaptive' && eta > 1e-6) {
        eta /= 5;
        noImprovement = 0;
      } else {
        epoch++;
        break;
      }
    }
  }
  resetScale(w, aw, wscale, averageA, averageB);
  return { weights: w.slice(), intercept, averageWeights: aw && aw.slice(), averageIntercept, nIter: epoch };
}

/** scikit-learn's `WeightVector.reset_wscale`: folds the scale (and the averaging terms) into the arrays. */
export function resetScale(w: Float64Array, aw: Float64Array | null, wscale: number, averageA: number, averageB: number): void {
  const d = w.length;
  if (aw) {
    for (let j = 0; j < d; j++) aw[j] += averageA * w[j];
    const inv = 1 / averageB;
    for (let j = 0; j < d; j++) aw[j] *= inv;
  }
  for (let j = 0; j < d; j++) w[j] *= wscale;
}

/**
 * Accuracy on the held-out rows. scikit-learn 1.2 scores the stored weight array without
 * its scale factor, so this does too: only the sign of w.x + b matters, and the
 * intercept is not scaled.
 */
function validationAccuracy(X: SgdRows, y: Float64Array, mask: Uint8Array, intercept: number): number {
  let correct = 0, total = 0;
  for (let i = 0; i < X.rows; i++) {
    if (!mask[i]) continue;
    if ((X.dot(i) + intercept > 0 ? 1 : -1) === y[i]) correct++;
    total++;
  }
  return correct / total;
}
