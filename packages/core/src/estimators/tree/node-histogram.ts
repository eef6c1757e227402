import type { SlotLayout } from './tree-memory.js';
import type { TreeKernels } from './tree-kernels.js';

/**
 * Per-node class histograms of one feature's codes, in a tree's slot of the forest memory
 * (`hist`, `present`, and `counts` for min_samples_leaf > 1, which the scan kernel reads),
 * reused node after node without allocation. The sample loops run in the histogram kernel;
 * the node's samples, classes and weights are the slot's `samples`, `sy` and `sw`.
 */
export class NodeHistogram {
  /** The present codes, ascending; `build` returns how many. */
  readonly present: Int32Array;
  /** `mark[code] === stamp`: the code was seen in the current sparse build. */
  private readonly mark: Int32Array;
  private stamp = 0;
  private readonly C: number;

  /**
   * @param at - byte addresses of the tree's slot's arrays
   * @param withCounts - also count samples per code (for min_samples_leaf > 1)
   */
  constructor(
    memory: WebAssembly.Memory, private readonly at: SlotLayout, maxCodes: number, nClasses: number,
    private readonly withCounts: boolean, private readonly kernels: TreeKernels,
  ) {
    this.C = nClasses;
    this.mark = new Int32Array(memory.buffer, this.at.mark, maxCodes);
    this.present = new Int32Array(memory.buffer, this.at.present, maxCodes);
    // The slot served earlier trees: their stamps would pass for this tree's.
    this.mark.fill(0);
  }

  /**
   * One drawn feature's class histogram over the node's samples (`codes`: address of the
   * feature's code of sample 0, `nCodes` possible). Returns 1 when every sample has the same
   * code (a read-only pass that stops at the first difference, cheaper than a histogram for
   * the many pixels constant in a node); otherwise fills the slot's `hist` (and `counts`
   * when asked for) for the codes present, lists them ascending in {@link present} and
   * returns how many.
   */
  build(codes: number, start: number, end: number, nCodes: number): number {
    const n = end - start, at = this.at;
    const copies = n >= DENSE4 * nCodes ? 4 : n >= DENSE1 * nCodes ? 1 : 0;
    const stamp = copies === 0 ? ++this.stamp : 0;
    const m = this.kernels.histogram(codes, at.samples, at.sy, at.sw, start, end, nCodes, this.C, copies, at.hist4, at.hist, at.mark, at.present, stamp,
      this.withCounts ? at.counts : 0);
    // The codes of the marked build come in order of first sight.
    if (copies > 0 || m === 1) return m;
    const { present, mark } = this;
    if (m <= 16) insertionSort(present, m);
    else if (m * 8 > nCodes) {
      // Dense enough: one pass over the feature's codes lists them in order.
      let j = 0;
      for (let code = 0; code < nCodes; code++) if (mark[code] === stamp) present[j++] = code;
    } else present.subarray(0, m).sort();
    return m;
  }
}

/**
 * Samples per possible code from which {@link NodeHistogram.build} sums four interleaved
 * histograms, and one histogram of every code without marks: below DENSE1 the per-sample
 * mark test is cheaper than clearing and scanning every code (still so with the kernels:
 * DENSE1 1 or 2 and DENSE4 2 or 8 cost more CPU per tree). Chosen by CPU time per tree
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
