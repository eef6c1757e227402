/**
 * libsvm's SMO solver for C-SVC (Fan, Chen and Lin, JMLR 6 (2005) 1889-1918), as
 * scikit-learn 1.2 builds it: second-order working-set selection (WSS3), shrinking with
 * gradient reconstruction, the same stopping rule and `rho`. It solves
 *
 *   min 0.5 a'Qa - e'a   subject to   y'a = 0,  0 <= a_i <= C_i,
 *
 * and keeps libsvm's permutation of the variables (shrinking swaps them) so every
 * tie between equal candidates goes the way libsvm's does.
 */

/** The problem's matrix: `Q[i][j] = y_i y_j K(x_i, x_j)` in float32, row-major, and its float64 diagonal. */
export interface QMatrix {
  l: number;
  q: Float32Array;
  diag: Float64Array;
}

/** Solver settings, libsvm's `eps`, `shrinking` and scikit-learn's `max_iter` (-1: no limit). */
export interface SmoOptions {
  eps: number;
  shrinking: boolean;
  maxIter: number;
}

/** A solved problem. */
export interface SmoResult {
  /** `y_i a_i`, in the problem's original order (libsvm's `f.alpha`). */
  coef: Float64Array;
  rho: number;
  /** Iterations run (scikit-learn's `n_iter_` entry). */
  iterations: number;
  /** True when `max_iter` stopped the solver before the stopping rule held. */
  timedOut: boolean;
}

const TAU = 1e-12;
const LOWER = 0;
const UPPER = 1;
const FREE = 2;

/** Solves one C-SVC problem with labels `y` (+1/-1) and per-sample bounds `C`. */
export function solveSmo(Q: QMatrix, y: Int8Array, C: Float64Array, options: SmoOptions): SmoResult {
  return new SmoSolver(Q, y, C, options).run();
}

class SmoSolver {
  private readonly l: number;
  private activeSize: number;
  /** Original index of the variable at each position (libsvm's `active_set`). */
  private readonly orig: Int32Array;
  private readonly y: Int8Array;
  private readonly C: Float64Array;
  private readonly QD: Float64Array;
  private readonly alpha: Float64Array;
  private readonly status: Uint8Array;
  private readonly G: Float64Array;
  private readonly Gbar: Float64Array;
  private unshrink = false;
  private outI = -1;
  private outJ = -1;

  constructor(
    private readonly Q: QMatrix,
    y: Int8Array,
    C: Float64Array,
    private readonly options: SmoOptions,
  ) {
    const l = (this.l = Q.l);
    this.activeSize = l;
    this.orig = Int32Array.from({ length: l }, (_, i) => i);
    this.y = Int8Array.from(y);
    this.C = Float64Array.from(C);
    this.QD = Float64Array.from(Q.diag);
    this.alpha = new Float64Array(l);
    this.status = new Uint8Array(l).fill(LOWER);
    // With every alpha at 0 the gradient is p = -e and no variable is at its upper bound.
    this.G = new Float64Array(l).fill(-1);
    this.Gbar = new Float64Array(l);
  }

  /** Row of Q for the variable at position `i`, indexed by original index. */
  private row(i: number): Float32Array {
    const o = this.orig[i];
    return this.Q.q.subarray(o * this.l, (o + 1) * this.l);
  }

  run(): SmoResult {
    const { l, y, alpha, orig, options } = this;
    let iter = 0;
    let counter = Math.min(l, 1000) + 1;
    let timedOut = false;
    for (;;) {
      if (options.maxIter !== -1 && iter >= options.maxIter) {
        timedOut = true;
        break;
      }
      if (--counter === 0) {
        counter = Math.min(l, 1000);
        if (options.shrinking) this.shrink();
      }
      if (this.selectWorkingSet()) {
        this.reconstructGradient();
        this.activeSize = l;
        if (this.selectWorkingSet()) break;
        counter = 1; // shrink on the next iteration
      }
      ++iter;
      this.step(this.outI, this.outJ);
    }
    const rho = this.calculateRho();
    const coef = new Float64Array(l);
    for (let i = 0; i < l; i++) coef[orig[i]] = alpha[i] * y[i];
    return { coef, rho, iterations: iter, timedOut };
  }

  /** One SMO step on the pair at positions (i, j): the analytic two-variable update, clipped. */
  private step(i: number, j: number): void {
    const { alpha, y, C, QD, G, orig } = this;
    const Qi = this.row(i);
    const Qj = this.row(j);
    const Ci = C[i];
    const Cj = C[j];
    const oldI = alpha[i];
    const oldJ = alpha[j];
    const Qij = Qi[orig[j]];
    if (y[i] !== y[j]) {
      let quad = QD[i] + QD[j] + 2 * Qij;
      if (quad <= 0) quad = TAU;
      const delta = (-G[i] - G[j]) / quad;
      const diff = alpha[i] - alpha[j];
      alpha[i] += delta;
      alpha[j] += delta;
      if (diff > 0) {
        if (alpha[j] < 0) [alpha[j], alpha[i]] = [0, diff];
      } else if (alpha[i] < 0) [alpha[i], alpha[j]] = [0, -diff];
      if (diff > Ci - Cj) {
        if (alpha[i] > Ci) [alpha[i], alpha[j]] = [Ci, Ci - diff];
      } else if (alpha[j] > Cj) [alpha[j], alpha[i]] = [Cj, Cj + diff];
    } else {
      let quad = QD[i] + QD[j] - 2 * Qij;
      if (quad <= 0) quad = TAU;
      const delta = (G[i] - G[j]) / quad;
      const sum = alpha[i] + alpha[j];
      alpha[i] -= delta;
      alpha[j] += delta;
      if (sum > Ci) {
        if (alpha[i] > Ci) [alpha[i], alpha[j]] = [Ci, sum - Ci];
      } else if (alpha[j] < 0) [alpha[j], alpha[i]] = [0, sum];
      if (sum > Cj) {
        if (alpha[j] > Cj) [alpha[j], alpha[i]] = [Cj, sum - Cj];
      } else if (alpha[i] < 0) [alpha[i], alpha[j]] = [0, sum];
    }
    const dI = alpha[i] - oldI;
    const dJ = alpha[j] - oldJ;
    for (let k = 0; k < this.activeSize; k++) G[k] += Qi[orig[k]] * dI + Qj[orig[k]] * dJ;
    this.updateBound(i, Qi);
    this.updateBound(j, Qj);
  }

  /** Updates the status of position `i` and, if it entered or left the upper bound, `G_bar`. */
  private updateBound(i: number, Qi: Float32Array): void {
    const wasUpper = this.status[i] === UPPER;
    this.status[i] = this.alpha[i] >= this.C[i] ? UPPER : this.alpha[i] <= 0 ? LOWER : FREE;
    if (wasUpper === (this.status[i] === UPPER)) return;
    const { Gbar, orig, l } = this;
    const c = this.C[i];
    if (wasUpper) for (let k = 0; k < l; k++) Gbar[k] -= c * Qi[orig[k]];
    else for (let k = 0; k < l; k++) Gbar[k] += c * Qi[orig[k]];
  }

  /** WSS3: i maximises -y_i G_i over I_up; j minimises the second-order objective decrease. True when optimal. */
  private selectWorkingSet(): boolean {
    const { y, G, status, QD, orig, activeSize } = this;
    let Gmax = -Infinity;
    let Gmax2 = -Infinity;
    let GmaxIdx = -1;
    let GminIdx = -1;
    let objDiffMin = Infinity;
    for (let t = 0; t < activeSize; t++) {
      if (y[t] === 1) {
        if (status[t] !== UPPER && -G[t] >= Gmax) {
          Gmax = -G[t];
          GmaxIdx = t;
        }
      } else if (status[t] !== LOWER && G[t] >= Gmax) {
        Gmax = G[t];
        GmaxIdx = t;
      }
    }
    const i = GmaxIdx;
    const Qi = i === -1 ? null : this.row(i);
    for (let j = 0; j < activeSize; j++) {
      let gradDiff: number;
      let quad: number;
      if (y[j] === 1) {
        if (status[j] === LOWER) continue;
        gradDiff = Gmax + G[j];
        if (G[j] >= Gmax2) Gmax2 = G[j];
        if (!(gradDiff > 0)) continue;
        quad = QD[i] + QD[j] - 2 * y[i] * (Qi as Float32Array)[orig[j]];
      } else {
        if (status[j] === UPPER) continue;
        gradDiff = Gmax - G[j];
        if (-G[j] >= Gmax2) Gmax2 = -G[j];
        if (!(gradDiff > 0)) continue;
        quad = QD[i] + QD[j] + 2 * y[i] * (Qi as Float32Array)[orig[j]];
      }
      const objDiff = -(gradDiff * gradDiff) / (quad > 0 ? quad : TAU);
      if (objDiff <= objDiffMin) {
        GminIdx = j;
        objDiffMin = objDiff;
      }
    }
    if (Gmax + Gmax2 < this.options.eps || GminIdx === -1) return true;
    this.outI = GmaxIdx;
    this.outJ = GminIdx;
    return false;
  }

  private beShrunk(i: number, Gmax1: number, Gmax2: number): boolean {
    const s = this.status[i];
    if (s === UPPER) return this.y[i] === 1 ? -this.G[i] > Gmax1 : -this.G[i] > Gmax2;
    if (s === LOWER) return this.y[i] === 1 ? this.G[i] > Gmax2 : this.G[i] > Gmax1;
    return false;
  }

  /** libsvm's `do_shrinking`: drops variables that cannot move; unshrinks once near the end. */
  private shrink(): void {
    const { y, G, status } = this;
    let Gmax1 = -Infinity;
    let Gmax2 = -Infinity;
    for (let i = 0; i < this.activeSize; i++) {
      if (y[i] === 1) {
        if (status[i] !== UPPER && -G[i] >= Gmax1) Gmax1 = -G[i];
        if (status[i] !== LOWER && G[i] >= Gmax2) Gmax2 = G[i];
      } else {
        if (status[i] !== UPPER && -G[i] >= Gmax2) Gmax2 = -G[i];
        if (status[i] !== LOWER && G[i] >= Gmax1) Gmax1 = G[i];
      }
    }
    if (!this.unshrink && Gmax1 + Gmax2 <= this.options.eps * 10) {
      this.unshrink = true;
      this.reconstructGradient();
      this.activeSize = this.l;
    }
    for (let i = 0; i < this.activeSize; i++) {
      if (!this.beShrunk(i, Gmax1, Gmax2)) continue;
      this.activeSize--;
      while (this.activeSize > i) {
        if (!this.beShrunk(this.activeSize, Gmax1, Gmax2)) {
          this.swap(i, this.activeSize);
          break;
        }
        this.activeSize--;
      }
    }
  }

  private swap(i: number, j: number): void {
    for (const a of [this.y, this.G, this.status, this.alpha, this.orig, this.Gbar, this.C, this.QD]) {
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** Recomputes the gradient of inactive variables from `G_bar` and the free ones, in libsvm's summation order. */
  private reconstructGradient(): void {
    const { l, activeSize, G, Gbar, alpha, status, orig } = this;
    if (activeSize === l) return;
    for (let j = activeSize; j < l; j++) G[j] = Gbar[j] - 1;
    let nFree = 0;
    for (let j = 0; j < activeSize; j++) if (status[j] === FREE) nFree++;
    if (nFree * l > 2 * activeSize * (l - activeSize)) {
      for (let i = activeSize; i < l; i++) {
        const Qi = this.row(i);
        for (let j = 0; j < activeSize; j++) if (status[j] === FREE) G[i] += alpha[j] * Qi[orig[j]];
      }
    } else {
      for (let i = 0; i < activeSize; i++) {
        if (status[i] !== FREE) continue;
        const Qi = this.row(i);
        const a = alpha[i];
        for (let j = activeSize; j < l; j++) G[j] += a * Qi[orig[j]];
      }
    }
  }

  /** libsvm's `calculate_rho`: the mean of y_i G_i over free variables, else the midpoint of the bounds. */
  private calculateRho(): number {
    const { y, G, status } = this;
    let nFree = 0;
    let ub = Infinity;
    let lb = -Infinity;
    let sumFree = 0;
    for (let i = 0; i < this.activeSize; i++) {
      const yG = y[i] * G[i];
      if (status[i] === UPPER) {
        if (y[i] === -1) ub = Math.min(ub, yG);
        else lb = Math.max(lb, yG);
      } else if (status[i] === LOWER) {
        if (y[i] === 1) ub = Math.min(ub, yG);
        else lb = Math.max(lb, yG);
      } else {
        nFree++;
        sumFree += yG;
      }
    }
    return nFree > 0 ? sumFree / nFree : (ub + lb) / 2;
  }
}
