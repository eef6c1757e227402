import { OurRandR } from '../../random/our-rand-r.js';
import { FEATURE_THRESHOLD, type BinnedData } from './binned-data.js';
import { NodeHistogram } from './node-histogram.js';
import { treeKernels, type TreeKernels } from './tree-kernels.js';
import { slotAddresses, slotLayout, type SlotLayout } from './tree-memory.js';

/** Settings of one node-split search, resolved to counts (scikit-learn's `max_features_`). */
export interface SplitterOptions {
  nClasses: number;
  /** Features drawn per node, constant ones included (scikit-learn's `max_features_`). */
  maxFeatures: number;
  minSamplesLeaf: number;
}

/**
 * scikit-learn 1.2's `BestSplitter` with the gini criterion, searching each drawn feature
 * with a class histogram over its codes instead of a sort. Its sample arrays live in one
 * slot of the forest memory, where the tree kernels scan and move them. Features are drawn in exactly
 * scikit-learn's way: the same Fisher-Yates draws from `our_rand_r`, the same bookkeeping of
 * constant features inherited by children, so a seeded tree equals scikit-learn's. Every
 * candidate split between consecutive present values is scored with scikit-learn's
 * arithmetic (sums of integer weights are exact), and ties keep the first best, so the
 * chosen split is the same too. One instance serves one tree and is not reentrant.
 */
export class Splitter {
  /** Node samples (row indices), partitioned in place: a node owns `samples[start, end)`. */
  readonly samples: Int32Array;
  /** Class index and weight (a bootstrap count) of `samples[i]`, moved with it. */
  private readonly sy: Int32Array;
  private readonly sw: Int32Array;
  private readonly features: Int32Array;
  private readonly constantFeatures: Int32Array;
  private readonly rng: OurRandR;

  private readonly kernels: TreeKernels;
  /** Byte addresses of the slot's arrays: samples and their spares, the block of a compacted subtree's rows. */
  private readonly at: SlotLayout;
  private readonly rowCodesAt: number;
  private readonly codeBytes: number;
  /** Whether the samples point into the block (a compacted subtree's node) or the columns. */
  private local = false;
  private readonly cols: number;
  private readonly values: Float64Array;
  private readonly offsets: Int32Array;
  private readonly rows: number;
  private readonly nearTies: boolean;
  private readonly C: number;
  private readonly maxFeatures: number;
  private readonly minLeaf: number;

  private readonly histogram: NodeHistogram;
  private readonly left: Float64Array;

  /** Weighted class counts of the node last reset (scikit-learn's `sum_total`). */
  readonly total: Float64Array;
  /** Weighted samples of the node last reset, and of the whole tree. */
  wNode = 0;
  readonly wTotal: number;

  /** The best split of the last {@link split}: feature, last code going left, threshold. */
  bestFeature = -1;
  bestCode = -1;
  bestThreshold = 0;
  /** Start of the right child in {@link samples}; the node's end when no split was found. */
  bestPos = 0;
  impurityLeft = 0;
  impurityRight = 0;
  improvement = 0;
  private readonly bestLeft: Float64Array;
  private bestWl = 0;
  /** The scan kernel's answer: the best split's code and next present code, and its left weight. */
  private readonly resultCodes: Int32Array;
  private readonly resultWl: Float64Array;

  /**
   * @param weights - integer weight per training row (bootstrap counts); rows with weight 0 are left out, as scikit-learn does
   * @param randState - scikit-learn's `rand_r_state`, drawn from the tree's RandomState
   * @param slot - the slot of the forest memory to grow in (reserved with `reserveSlots`), one per thread
   */
  constructor(data: BinnedData, y: Int32Array, weights: Int32Array, options: SplitterOptions, randState: number, slot: number) {
    let n = 0;
    for (let i = 0; i < data.rows; i++) if (weights[i] !== 0) n++;
    const { memory } = data;
    const layout = slotLayout(data.rows, data.cols, data.codeBytes, data.maxCodes, options.nClasses);
    const slotAt = data.slotsAt + slot * layout.bytes;
    if (slotAt + layout.bytes > memory.buffer.byteLength) throw new RangeError(`tree memory slot ${slot} was not reserved`);
    this.at = slotAddresses(layout, slotAt);
    this.samples = new Int32Array(memory.buffer, this.at.samples, n);
    this.sy = new Int32Array(memory.buffer, this.at.sy, n);
    this.sw = new Int32Array(memory.buffer, this.at.sw, n);
    let wTotal = 0;
    for (let i = 0, j = 0; i < data.rows; i++) {
      if (weights[i] === 0) continue;
      this.samples[j] = i;
      this.sy[j] = y[i];
      this.sw[j++] = weights[i];
      wTotal += weights[i];
    }
    this.wTotal = wTotal;
    this.features = Int32Array.from({ length: data.cols }, (_, f) => f);
    this.constantFeatures = new Int32Array(data.cols);
    this.rng = new OurRandR(randState);
    this.kernels = treeKernels(memory, data.codeBytes);
    this.rowCodesAt = data.rowCodesAt;
    this.codeBytes = data.codeBytes;
    this.cols = data.cols;
    this.values = data.values;
    this.offsets = data.offsets;
    this.rows = data.rows;
    this.nearTies = data.nearTies;
    this.C = options.nClasses;
    this.maxFeatures = options.maxFeatures;
    this.minLeaf = options.minSamplesLeaf;
    this.histogram = new NodeHistogram(memory, this.at, data.maxCodes, this.C, this.minLeaf > 1, this.kernels);
    this.left = new Float64Array(memory.buffer, this.at.left, this.C);
    this.total = new Float64Array(memory.buffer, this.at.total, this.C);
    this.bestLeft = new Float64Array(memory.buffer, this.at.bestLeft, this.C);
    this.resultCodes = new Int32Array(memory.buffer, this.at.result, 2);
    this.resultWl = new Float64Array(memory.buffer, this.at.result + 8, 1);
  }

  /** Number of samples with positive weight (the root's size). */
  get size(): number {
    return this.samples.length;
  }

  /**
   * Copies the rows of `samples[start, end)` (at most {@link LOCAL_ROWS}) into the block,
   * row-major, and points the samples at them: the subtree below this node then reads one
   * cache-resident block instead of scattered bytes of many long columns. Depth-first
   * growth finishes a subtree before the next one starts, so one block serves them all.
   */
  compact(start: number, end: number): void {
    this.kernels.compact(this.rowCodesAt, this.at.block, this.at.samples, start, end, this.cols);
    this.useBlock(true);
  }

  /** Reads from the block (a compacted subtree's node) or the columns (any other node). */
  useBlock(local: boolean): void {
    this.local = local;
  }

  /**
   * Byte address of feature `f`'s code of sample 0: samples hold a row index (columns, from
   * byte 0) or a row offset (block), so a sample's code is at this plus the sample times the code bytes.
   */
  private codesOf(f: number): number {
    return this.local ? this.at.block + f * this.codeBytes : f * this.rows * this.codeBytes;
  }

  /** Sums the class weights of `samples[start, end)` into {@link total} and {@link wNode}. */
  reset(start: number, end: number): void {
    const total = this.total;
    total.fill(0);
    let w = 0;
    for (let i = start; i < end; i++) {
      total[this.sy[i]] += this.sw[i];
      w += this.sw[i];
    }
    this.wNode = w;
  }

  /** Gini impurity of the node last reset. */
  nodeImpurity(): number {
    return gini(this.total, this.wNode);
  }

  /**
   * Finds the best split of `samples[start, end)` (after {@link reset}) and partitions the
   * samples around it. Returns the number of features known constant for the children.
   * @param impurity - the node's impurity, as its parent computed it
   * @param knownConstants - features known constant in this node (its parent's answer)
   */
  split(start: number, end: number, impurity: number, knownConstants: number): number {
    const features = this.features;
    let fI = features.length;
    let visited = 0, found = 0, drawn = 0, total = knownConstants;
    let bestProxy = -Infinity;
    this.bestPos = end;
    while (fI > total && (visited < this.maxFeatures || visited <= found + drawn)) {
      visited++;
      let fJ = this.rng.randInt(drawn, fI - found);
      if (fJ < knownConstants) {
        swap(features, drawn, fJ);
        drawn++;
        continue;
      }
      fJ += found;
      const f = features[fJ];
      const codes = this.codesOf(f), nCodes = this.offsets[f + 1] - this.offsets[f];
      const m = this.histogram.build(codes, start, end, nCodes);
      if (this.isConstant(f, m)) {
        swap(features, fJ, total);
        found++;
        total++;
        continue;
      }
      fI--;
      swap(features, fI, fJ);
      bestProxy = this.scan(f, m, end - start, bestProxy);
    }
    // Any scored candidate has a finite proxy: -Infinity means no split was found.
    if (bestProxy > -Infinity) this.partition(start, end, impurity);
    // scikit-learn's invariant: known constants keep their order for siblings and children.
    features.set(this.constantFeatures.subarray(0, knownConstants));
    this.constantFeatures.set(features.subarray(knownConstants, knownConstants + found), knownConstants);
    return total;
  }

  /** scikit-learn's test: the node's largest value is within FEATURE_THRESHOLD of its smallest. */
  private isConstant(f: number, m: number): boolean {
    if (m <= 1) return true;
    if (!this.nearTies) return false;
    const o = this.offsets[f];
    const present = this.histogram.present;
    return this.values[o + present[m - 1]] <= this.values[o + present[0]] + FEATURE_THRESHOLD;
  }

  /** Scores every split between consecutive present codes of `f` (in the scan kernel); returns the best proxy so far. */
  private scan(f: number, m: number, nNode: number, bestProxy: number): number {
    const at = this.at, o = this.offsets[f];
    const proxy = this.kernels.scan(at.hist, at.counts, at.present, m, this.C, at.total, at.left, at.bestLeft,
      this.values.byteOffset + 8 * o, this.nearTies ? 1 : 0, this.minLeaf, nNode, this.wNode, bestProxy, at.result);
    if (proxy > bestProxy) {
      const code = this.resultCodes[0], values = this.values;
      const a = values[o + code], b = values[o + this.resultCodes[1]];
      let threshold = a / 2 + b / 2;
      if (threshold === b || threshold === Infinity || threshold === -Infinity) threshold = a;
      this.bestFeature = f;
      this.bestCode = code;
      this.bestThreshold = threshold;
      this.bestWl = this.resultWl[0];
    }
    return proxy;
  }

  /** Moves the best split's left samples first and computes the children's impurities. */
  private partition(start: number, end: number, impurity: number): void {
    const at = this.at;
    // Stable: samples stay in ascending row order, so column reads run forward in memory.
    this.bestPos = this.kernels.partition(this.codesOf(this.bestFeature), at.samples, at.sy, at.sw, at.spare, at.spareY, at.spareW, start, end, this.bestCode);
    const wl = this.bestWl, wr = this.wNode - wl;
    const right = this.left;
    for (let c = 0; c < this.C; c++) right[c] = this.total[c] - this.bestLeft[c];
    this.impurityLeft = gini(this.bestLeft, wl);
    this.impurityRight = gini(right, wr);
    const w = this.wNode;
    this.improvement = (w / this.wTotal) * (impurity - (wr / w) * this.impurityRight - (wl / w) * this.impurityLeft);
  }
}

/** Gini impurity of weighted class counts summing to `w`, in scikit-learn's order of operations. */
function gini(counts: Float64Array, w: number): number {
  let sq = 0;
  for (let c = 0; c < counts.length; c++) sq += counts[c] * counts[c];
  return 1 - sq / (w * w);
}

function swap(a: Int32Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
