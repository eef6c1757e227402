import type { CodeArray } from './binned-data.js';

/**
 * Per-node class histograms of one feature's codes, reused node after node without
 * allocation: weighted class counts per code, the codes present in ascending order and,
 * for min_samples_leaf > 1, unweighted sample counts.
 */
export class NodeHistogram {
  /** Weighted class counts, `hist[code * nClasses + class]`, valid for the present codes. */
  readonly hist: Float64Array;
  /** Samples per code (valid for the present codes when built with counts). */
  readonly counts: Int32Array;
  /** The present codes, ascending; `build` returns how many. */
  readonly present: Int32Array;
  /** Four interleaved integer histograms for large nodes (see {@link dense}). */
  private readonly hist4: Int32Array;
  /** `mark[code] === stamp`: the code was seen in the current build. */
  private readonly mark: Int32Array;
  private stamp = 0;
  private readonly C: number;

  /** @param withCounts - also count samples per code (for min_samples_leaf > 1) */
  constructor(maxCodes: number, nClasses: number, private readonly withCounts: boolean) {
    this.C = nClasses;
    this.hist = new Float64Array(maxCodes * nClasses);
    this.hist4 = new Int32Array(4 * maxCodes * nClasses);
    this.counts = new Int32Array(maxCodes);
    this.mark = new Int32Array(maxCodes);
    this.present = new Int32Array(maxCodes);
  }

  /**
   * Whether every sample of the node has the same code (at `codes[base + sample]`): a
   * read-only pass that stops at the first difference, cheaper than a histogram for the
   * many pixels that are constant in a node.
   */
  sameCode(codes: CodeArray, base: number, samples: Int32Array, start: number, end: number): boolean {
    const first = codes[base + samples[start]];
    for (let i = start + 1; i < end; i++) if (codes[base + samples[i]] !== first) return false;
    return true;
  }

  /**
   * Class histogram of one feature over the node's samples (codes at `codes[base + sample]`,
   * `nCodes` possible): fills {@link hist} (and {@link counts} when asked for) for the codes
   * present and lists those codes ascending in {@link present}. Returns how many are present.
   */
  build(codes: CodeArray, base: number, samples: Int32Array, sy: Int32Array, sw: Int32Array, start: number, end: number, nCodes: number): number {
    const n = end - start;
    if (n >= DENSE4 * nCodes) return this.dense(codes, base, samples, sy, sw, start, end, nCodes);
    if (n >= DENSE1 * nCodes) return this.dense1(codes, base, samples, sy, sw, start, end, nCodes);
    const stamp = ++this.stamp;
    const { hist, counts, mark, present, C } = this;
    let m = 0;
    if (this.withCounts) {
      for (let i = start; i < end; i++) {
        const code = codes[base + samples[i]];
        const h = code * C;
        if (mark[code] !== stamp) {
          mark[code] = stamp;
          present[m++] = code;
          for (let c = 0; c < C; c++) hist[h + c] = 0;
          counts[code] = 0;
        }
        hist[h + sy[i]] += sw[i];
        counts[code]++;
      }
    } else {
      for (let i = start; i < end; i++) {
        const code = codes[base + samples[i]];
        const h = code * C;
        if (mark[code] !== stamp) {
          mark[code] = stamp;
          present[m++] = code;
          for (let c = 0; c < C; c++) hist[h + c] = 0;
        }
        hist[h + sy[i]] += sw[i];
      }
    }
    if (m <= 16) insertionSort(present, m);
    else if (m * 8 > nCodes) {
      // Dense enough: one pass over the feature's codes lists them in order.
      let k = 0;
      for (let code = 0; code < nCodes; code++) if (mark[code] === stamp) present[k++] = code;
    } else present.subarray(0, m).sort();
    return m;
  }

  /** {@link build} for nodes with a few samples per code: one integer histogram of every code, no marks. */
  private dense1(codes: CodeArray, base: number, samples: Int32Array, sy: Int32Array, sw: Int32Array, start: number, end: number, nCodes: number): number {
    const { hist, hist4: h, counts, present, C } = this;
    const s = nCodes * C;
    h.fill(0, 0, s);
    for (let i = start; i < end; i++) h[codes[base + samples[i]] * C + sy[i]] += sw[i];
    if (this.withCounts) {
      counts.fill(0, 0, nCodes);
      for (let j = start; j < end; j++) counts[codes[base + samples[j]]]++;
    }
    let m = 0;
    for (let code = 0, k = 0; code < nCodes; code++) {
      let weight = 0;
      for (let c = 0; c < C; c++, k++) {
        const v = h[k];
        hist[k] = v;
        weight += v;
      }
      if (weight > 0) present[m++] = code;
    }
    return m;
  }

  /**
   * {@link build} for nodes with many samples per code. Most MNIST pixels are 0, so
   * consecutive samples hit the same bin and one histogram would serialise on that
   * memory add; four interleaved copies keep four adds in flight, then merge.
   */
  private dense(codes: CodeArray, base: number, samples: Int32Array, sy: Int32Array, sw: Int32Array, start: number, end: number, nCodes: number): number {
    const { hist, hist4: h4, counts, present, C } = this;
    const s = nCodes * C, s2 = 2 * s, s3 = 3 * s;
    h4.fill(0, 0, 4 * s);
    let i = start;
    for (; i + 3 < end; i += 4) {
      h4[codes[base + samples[i]] * C + sy[i]] += sw[i];
      h4[s + codes[base + samples[i + 1]] * C + sy[i + 1]] += sw[i + 1];
      h4[s2 + codes[base + samples[i + 2]] * C + sy[i + 2]] += sw[i + 2];
      h4[s3 + codes[base + samples[i + 3]] * C + sy[i + 3]] += sw[i + 3];
    }
    for (; i < end; i++) h4[codes[base + samples[i]] * C + sy[i]] += sw[i];
    if (this.withCounts) {
      counts.fill(0, 0, nCodes);
      for (let j = start; j < end; j++) counts[codes[base + samples[j]]]++;
    }
    let m = 0;
    for (let code = 0, k = 0; code < nCodes; code++) {
      let weight = 0;
      for (let c = 0; c < C; c++, k++) {
        const v = h4[k] + h4[s + k] + h4[s2 + k] + h4[s3 + k];
        hist[k] = v;
        weight += v;
      }
      // Weights are positive, so a code is present exactly when it carries weight.
      if (weight > 0) present[m++] = code;
    }
    return m;
  }
}

/**
 * Samples per possible code from which {@link NodeHistogram.build} sums four interleaved
 * histograms, and one histogram of every code without marks: below DENSE1 the per-sample
 * mark test is cheaper than clearing and scanning every code. Chosen by CPU time per tree
 * on the MNIST 5-detector (bench/forest.ts); they change no histogram, only how it is summed.
 */
const DENSE4 = 4, DENSE1 = 0.5;

function insertionSort(a: Int32Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}
