/**
 * scikit-learn 1.2's one-vs-rest SGD (`_fit_multiclass` calling `_plain_sgd` once per class)
 * with the binary problems run side by side instead of one after another. Each problem keeps
 * its own sample order (its own seed), learning-rate schedule, weight scale, intercept,
 * averaging and stopping, and every one of its sums keeps scikit-learn's order, so each
 * coefficient is the same to the last bit. What changes is only which work waits for which:
 * a dot product over a dense row is a chain of dependent additions (`acc + w[j] * x[j]`,
 * column after column) whose latency, not the arithmetic, bounds one problem; the K problems'
 * chains are independent, so one WebAssembly loop (sgd-dense-rows.ts) walks the columns once
 * and advances up to {@link CHUNK} problems' chains per column, each problem reading its own
 * row and weight vector.
 */
import type { Matrix } from '../matrix.js';
import { shuffleLikeSklearn } from '../random/our-rand-r.js';
import { CHUNK, DenseRows } from './sgd-dense-rows.js';
import { dlossAt, lossAt, MAX_DLOSS, resetScale, WSCALE_THRESHOLD, type PlainSgdOptions, type PlainSgdResult } from './sgd-plain.js';

/** One binary problem's running state: `_plain_sgd`'s locals. */
interface Problem {
  k: number;
  y: Float64Array;
  seed: number;
  order: Int32Array;
  w: Float64Array;
  aw: Float64Array | null;
  q: Float64Array | null;
  wscale: number;
  intercept: number;
  averageA: number;
  averageB: number;
  averageIntercept: number;
  u: number;
  eta: number;
  t: number;
  sumloss: number;
  bestLoss: number;
  bestScore: number;
  noImprovement: number;
  /** Epochs run; final once the problem has stopped. */
  nIter: number;
  result?: PlainSgdResult;
}

/** What {@link interleavedSgd} shows after each epoch: every problem's model as a fit stopped there would return it. */
export type EpochSnapshot = () => PlainSgdResult[];

/**
 * Runs `ys.length` binary problems on the same rows, problem k with targets `ys[k]` in
 * {-1, +1} and shuffle seed `seeds[k]`; the other options are shared. Returns each problem's
 * model exactly as `plainSgd` would.
 *
 * With `onEpoch`, after epoch e (1-based) of the fit, once every problem still running has
 * done that epoch (the last one included), it is called with a snapshot maker: each running
 * problem's weights as a fit with `max_iter = e` would end (scale folded in, the averaging
 * terms folded into the averaged weights), and each problem that stopped early at its final
 * model, which is also what `max_iter = e` gives it, since it stopped before e.
 * @throws SgdDivergedError when a problem's weights or intercept stop being finite, with scikit-learn's advice.
 */
export async function interleavedSgd(
  X: Matrix,
  ys: Float64Array[],
  seeds: number[],
  o: Omit<PlainSgdOptions, 'seed'>,
  onEpoch?: (epoch: number, snapshot: EpochSnapshot) => Promise<void>,
): Promise<PlainSgdResult[]> {
  return interleavedSgdOn(DenseRows.fromMatrix(X, ys.length), ys.map((_, i) => i), ys, seeds, o, onEpoch);
}

/** A problem's weights or intercept stopped being finite at `epoch` (1-based); scikit-learn's message. */
export class SgdDivergedError extends Error {
  constructor(readonly epoch: number) {
    super(`Floating-point under-/overflow occurred at epoch #${epoch}. Scaling input data with StandardScaler or MinMaxScaler might help.`);
  }
}

/**
 * {@link interleavedSgd} for some of the problems whose weight vectors `rows` holds: problem
 * i uses weight vector `ks[i]` (set to zero before), targets `ys[i]` and seed `seeds[i]`.
 * Threads sharing one memory each run this on their own `ks` (sgd-threads.ts).
 */
export async function interleavedSgdOn(
  rows: DenseRows,
  ks: number[],
  ys: Float64Array[],
  seeds: number[],
  o: Omit<PlainSgdOptions, 'seed'>,
  onEpoch?: (epoch: number, snapshot: EpochSnapshot) => Promise<void>,
): Promise<PlainSgdResult[]> {
  const K = ys.length;
  const { rows: n } = rows;
  const l1 = o.penalty === 'l1' || o.penalty === 'elasticnet';
  const l1Ratio = o.penalty === 'l2' ? 0 : o.penalty === 'l1' ? 1 : o.l1Ratio;
  const { alpha, loss, learningRate, validationMask: mask } = o;
  let optimalInit = 0;
  if (learningRate === 'optimal') {
    const typw = Math.sqrt(1 / Math.sqrt(alpha));
    const initialEta0 = typw / Math.max(1, dlossAt(loss, -typw, 1));
    optimalInit = 1 / (initialEta0 * alpha);
  }
  const problems: Problem[] = ys.map((y, at) => ({
    k: ks[at], y, seed: seeds[at], order: Int32Array.from({ length: n }, (_, i) => i),
    w: rows.weights(ks[at]), aw: o.average > 0 ? rows.averageWeights(ks[at]) : null, q: l1 ? rows.penalties(ks[at]).fill(0) : null,
    wscale: 1, intercept: 0, averageA: 0, averageB: 1, averageIntercept: 0, u: 0, eta: o.eta0, t: 1,
    sumloss: 0, bestLoss: Infinity, bestScore: -Infinity, noImprovement: 0, nIter: 0,
  }));
  let active = problems.slice();
  const rowAddress = new Int32Array(2 * CHUNK);
  const dots = new Float64Array(2 * K);
  const changed = new Uint8Array(K);
  for (let epoch = 0; epoch < o.maxIter && active.length > 0; epoch++) {
    for (const p of active) {
      p.sumloss = 0;
      if (o.shuffle) shuffleLikeSklearn(p.order, p.seed);
    }
    const kernels = rows.dotKernels(active.map((p) => p.k));
    const A = active.length;
    // Two steps at a time: each problem's dots for its rows at steps s and s + 1 come from one
    // pass, the second computed with the weights before step s. Most steps leave the weights
    // alone (no loss: only the scale decays, and the dot is of the unscaled weights); where
    // step s changed them, the second dot is computed again.
    for (let s = 0; s < n; s += 2) {
      const second = Math.min(s + 1, n - 1);
      for (let c = 0; c < kernels.length; c++) {
        const from = c * CHUNK, to = Math.min(A, from + CHUNK);
        for (let a = from; a < to; a++) {
          const order = active[a].order;
          rowAddress[2 * (a - from)] = rows.rowAt(order[s]);
          rowAddress[2 * (a - from) + 1] = rows.rowAt(order[second]);
        }
        kernels[c](rowAddress[0], rowAddress[1], rowAddress[2], rowAddress[3], rowAddress[4], rowAddress[5], rowAddress[6], rowAddress[7], rowAddress[8], rowAddress[9]);
        const out = rows.out;
        for (let a = from; a < to; a++) {
          dots[2 * a] = out[2 * (a - from)];
          dots[2 * a + 1] = out[2 * (a - from) + 1];
        }
      }
      for (let a = 0; a < A; a++) {
        const p = active[a];
        const i = p.order[s];
        changed[a] = mask !== null && mask[i] ? 0 : Number(step(p, i, dots[2 * a]));
      }
      if (second === s) continue;
      for (let a = 0; a < A; a++) {
        const p = active[a];
        const i = p.order[second];
        if (mask !== null && mask[i]) continue;
        step(p, i, changed[a] ? rows.dot(p.k, i) : dots[2 * a + 1]);
      }
    }
    const still: Problem[] = [];
    for (const p of active) {
      p.nIter = epoch + 1;
      if (!Number.isFinite(p.intercept) || p.w.some((v) => !Number.isFinite(v))) {
        throw new SgdDivergedError(epoch + 1);
      }
      if (stops(p)) p.result = snapshot(p);
      else still.push(p);
    }
    active = still;
    if (onEpoch) await onEpoch(epoch + 1, () => problems.map((p) => p.result ?? snapshot(p)));
  }
  for (const p of active) p.result = snapshot(p);
  return problems.map((p) => p.result!);

  /**
   * One step of `_plain_sgd` for problem p on row i, given the row's dot with p's unscaled
   * weights. Returns whether the unscaled weights changed.
   */
  function step(p: Problem, i: number, dot: number): boolean {
    let changed = p.q !== null;
    const pred = dot * p.wscale + p.intercept;
    const yi = p.y[i];
    if (learningRate === 'optimal') p.eta = 1 / (alpha * (optimalInit + p.t - 1));
    else if (learningRate === 'invscaling') p.eta = o.eta0 / Math.pow(p.t, o.powerT);
    const eta = p.eta;
    if (mask === null) p.sumloss += lossAt(loss, pred, yi);
    const dloss = Math.min(MAX_DLOSS, Math.max(-MAX_DLOSS, dlossAt(loss, pred, yi)));
    const update = -eta * dloss;
    if (o.penalty !== null && o.penalty !== 'l1') {
      p.wscale *= Math.max(0, 1 - (1 - l1Ratio) * eta * alpha);
      if (p.wscale < WSCALE_THRESHOLD) {
        resetScale(p.w, p.aw, p.wscale, p.averageA, p.averageB);
        p.wscale = 1;
        p.averageA = 0;
        p.averageB = 1;
        changed = true;
      }
    }
    if (update !== 0) {
      changed = true;
      rows.add(p.k, i, update / p.wscale);
      if (o.fitIntercept) p.intercept += update;
    }
    if (p.aw !== null && o.average <= p.t) {
      const steps = p.t - o.average + 1;
      const mu = 1 / steps;
      rows.addAverage(p.k, i, p.averageA, -update / p.wscale);
      if (steps > 1) p.averageB /= 1 - mu;
      p.averageA += mu * p.averageB * p.wscale;
      p.averageIntercept += (p.intercept - p.averageIntercept) / steps;
    }
    if (p.q !== null) {
      p.u += l1Ratio * eta * alpha;
      rows.l1(p.k, p.wscale, p.u);
    }
    p.t += 1;
    return changed;
  }

  /** `_plain_sgd`'s end-of-epoch test: true when p is done (adaptive rates first shrink eta instead). */
  function stops(p: Problem): boolean {
    if (mask !== null) {
      let correct = 0, total = 0;
      for (let i = 0; i < n; i++) {
        if (!mask[i]) continue;
        // scikit-learn 1.2 scores the stored weight array without its scale (see sgd-plain.ts).
        if ((rows.dot(p.k, i) + p.intercept > 0 ? 1 : -1) === p.y[i]) correct++;
        total++;
      }
      const score = correct / total;
      p.noImprovement = o.tol > -Infinity && score < p.bestScore + o.tol ? p.noImprovement + 1 : 0;
      if (score > p.bestScore) p.bestScore = score;
    } else {
      p.noImprovement = o.tol > -Infinity && p.sumloss > p.bestLoss - o.tol * n ? p.noImprovement + 1 : 0;
      if (p.sumloss < p.bestLoss) p.bestLoss = p.sumloss;
    }
    if (p.noImprovement < o.nIterNoChange) return false;
    if (learningRate === 'adaptive' && p.eta > 1e-6) {
      p.eta /= 5;
      p.noImprovement = 0;
      return false;
    }
    return true;
  }

  /** The model p returns if the fit ends now (its state left as it is, so it can go on). */
  function snapshot(p: Problem): PlainSgdResult {
    const w = p.w.slice();
    const aw = p.aw && p.aw.slice();
    resetScale(w, aw, p.wscale, p.averageA, p.averageB);
    return { weights: w, intercept: p.intercept, averageWeights: aw, averageIntercept: p.averageIntercept, nIter: p.nIter };
  }
}
