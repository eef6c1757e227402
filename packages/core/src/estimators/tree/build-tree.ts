import { RandomState } from '../../random/numpy-random-state.js';
import { RAND_R_MAX } from '../../random/our-rand-r.js';
import type { BinnedData } from './binned-data.js';
import { Splitter, type SplitterOptions } from './splitter.js';
import { LOCAL_ROWS, reserveSlots, slotLayout } from './tree-memory.js';

/** How trees grow, resolved to counts (fractions already multiplied by the number of rows). */
export interface TreeOptions extends SplitterOptions {
  /** Deepest level a node may split at; `null` = unlimited. */
  maxDepth: number | null;
  minSamplesSplit: number;
  /** Draw a bootstrap sample of the rows (as weights) before growing. */
  bootstrap: boolean;
}

/**
 * A fitted tree as flat arrays, scikit-learn's `tree_` layout: nodes in depth-first order
 * (left child first), children `-1` at leaves. Plain typed arrays, so it crosses threads
 * by transfer.
 */
export interface TreeArrays {
  nodeCount: number;
  /** Split feature per node; -1 at leaves. */
  feature: Int32Array;
  /** A row goes left when its float32 value is <= the threshold. */
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** Class fractions (weighted) per node, `nodeCount x nClasses`: `tree_.value` normalised. */
  proba: Float64Array;
}

/** scikit-learn's `EPSILON` (`np.finfo('double').eps`) in the leaf tests. */
const EPSILON = 2.220446049250313e-16;

/**
 * Grows one tree as scikit-learn 1.2's forest does with the tree seed `seed` (one of the
 * forest's `random_state.randint(MAX_INT)` draws): bootstrap counts from
 * `RandomState(seed).randint(0, n, n)`, splitter seed from a fresh `RandomState(seed)`,
 * then `DepthFirstTreeBuilder`. Synchronous; worker threads call it, each in its own slot of
 * the data's memory.
 * @param y - class index (0..nClasses-1) per row
 * @param slot - the slot of `data.memory` to grow in, reserved with {@link reserveTreeSlots}
 */
export function buildTree(data: BinnedData, y: Int32Array, options: TreeOptions, seed: number, slot: number): TreeArrays {
  const rows = data.rows;
  const weights = new Int32Array(rows);
  if (options.bootstrap) {
    const rs = new RandomState(seed);
    for (let k = 0; k < rows; k++) weights[rs.randint(0, rows)] += 1;
  } else weights.fill(1);
  const splitter = new Splitter(data, y, weights, options, new RandomState(seed).randint(0, RAND_R_MAX), slot);
  const tree = new TreeStore(options.nClasses);
  const maxDepth = options.maxDepth ?? 0x7fffffff;
  const minSplit = options.minSamplesSplit, minLeaf = options.minSamplesLeaf;
  // Stack records: start, end, depth, parent, isLeft, impurity, known constant features,
  // and 1 when the node's samples point into the splitter's compacted block.
  const stack: number[] = [0, splitter.size, 0, -1, 0, Infinity, 0, 0];
  let first = true;
  while (stack.length > 0) {
    const local = stack.pop()!, nConst = stack.pop()!, impurityIn = stack.pop()!, isLeft = stack.pop()!, parent = stack.pop()!;
    const depth = stack.pop()!, end = stack.pop()!, start = stack.pop()!;
    const n = end - start;
    splitter.reset(start, end);
    let isLeaf = depth >= maxDepth || n < minSplit || n < 2 * minLeaf;
    let impurity = impurityIn;
    if (first) {
      impurity = splitter.nodeImpurity();
      first = false;
    }
    isLeaf ||= impurity <= EPSILON;
    let childConst = nConst;
    const compacted = local === 1 || (!isLeaf && n <= LOCAL_ROWS);
    if (!isLeaf) {
      if (local === 1) splitter.useBlock(true);
      else if (compacted) splitter.compact(start, end);
      else splitter.useBlock(false);
      childConst = splitter.split(start, end, impurity, nConst);
      isLeaf = splitter.bestPos >= end || splitter.improvement + EPSILON < 0;
    }
    const id = tree.add(parent, isLeft === 1, isLeaf, splitter);
    if (!isLeaf) {
      const pos = splitter.bestPos;
      const childLocal = compacted ? 1 : 0;
      stack.push(pos, end, depth + 1, id, 0, splitter.impurityRight, childConst, childLocal);
      stack.push(start, pos, depth + 1, id, 1, splitter.impurityLeft, childConst, childLocal);
    }
  }
  return tree.finish();
}

/**
 * Makes room in `data.memory` for `slots` trees of `options` growing at once (slots
 * `0..slots-1`).
 * @throws RangeError when the codes and the slots pass WebAssembly's 4 GiB.
 */
export function reserveTreeSlots(data: BinnedData, options: TreeOptions, slots: number): void {
  reserveSlots(data.memory, data.slotsAt, slotLayout(data.rows, data.cols, data.codeBytes, data.maxCodes, options.nClasses), slots);
}

/** Growable node arrays. */
class TreeStore {
  private capacity = 256;
  private count = 0;
  private feature = new Int32Array(this.capacity);
  private threshold = new Float64Array(this.capacity);
  private left = new Int32Array(this.capacity);
  private right = new Int32Array(this.capacity);
  private proba: Float64Array;

  constructor(private readonly nClasses: number) {
    this.proba = new Float64Array(this.capacity * nClasses);
  }

  add(parent: number, isLeft: boolean, isLeaf: boolean, splitter: Splitter): number {
    if (this.count === this.capacity) this.grow();
    const id = this.count++;
    if (parent >= 0) (isLeft ? this.left : this.right)[parent] = id;
    this.feature[id] = isLeaf ? -1 : splitter.bestFeature;
    this.threshold[id] = isLeaf ? -2 : splitter.bestThreshold;
    this.left[id] = -1;
    this.right[id] = -1;
    const C = this.nClasses, total = splitter.total;
    let sum = 0;
    for (let c = 0; c < C; c++) sum += total[c];
    for (let c = 0; c < C; c++) this.proba[id * C + c] = total[c] / sum;
    return id;
  }

  finish(): TreeArrays {
    const n = this.count;
    return {
      nodeCount: n,
      feature: this.feature.slice(0, n),
      threshold: this.threshold.slice(0, n),
      left: this.left.slice(0, n),
      right: this.right.slice(0, n),
      proba: this.proba.slice(0, n * this.nClasses),
    };
  }

  private grow(): void {
    this.capacity *= 2;
    const grown = <T extends Int32Array | Float64Array>(a: T, size: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.feature = grown(this.feature, this.capacity);
    this.threshold = grown(this.threshold, this.capacity);
    this.left = grown(this.left, this.capacity);
    this.right = grown(this.right, this.capacity);
    this.proba = grown(this.proba, this.capacity * this.nClasses);
  }
}
