/**
 * The one WebAssembly memory a forest's trees grow in: the feature codes (column-major and
 * row-major) first, then one slot of working arrays per tree-growing thread (the node
 * samples, their classes and weights, the compacted block, the histograms). The memory is
 * shared, so the threads read the codes where {@link binData} wrote them, with no copy, and
 * the tree kernels (tree-kernels.ts) address every array by its byte offset.
 */

/** Bytes a wasm32 memory can hold: 65,536 pages of 64 KiB (4 GiB). */
export const WASM_MAX_BYTES = 2 ** 32;

const PAGE = 65536;

/** Subtrees of at most this many samples are compacted: 1024 MNIST rows take 784 KiB, within L2. */
export const LOCAL_ROWS = 1024;

/** Byte offsets of one tree's working arrays from the start of its slot, and the slot's size. */
export interface SlotLayout {
  /** Int32 per sample: row index (or row offset in the block), class, weight, and the partition's spares of each. */
  samples: number;
  sy: number;
  sw: number;
  spare: number;
  spareY: number;
  spareW: number;
  /** Codes of a compacted subtree, row-major: `min(rows, LOCAL_ROWS) x cols`. */
  block: number;
  /** Four interleaved int32 histograms of `maxCodes x nClasses`. */
  hist4: number;
  /** Float64 class histogram, `maxCodes x nClasses`. */
  hist: number;
  /** Int32 per code: samples, mark stamp, present codes. */
  counts: number;
  mark: number;
  present: number;
  /** Float64 per class: the node's class weights, the scan's left side, the best split's left side. */
  total: number;
  left: number;
  bestLeft: number;
  /** The scan's best split: code and next present code (int32), left weight (float64 at +8). */
  result: number;
  bytes: number;
}

/** The absolute byte addresses of a slot's arrays, the slot at `slotAt`. */
export function slotAddresses(layout: SlotLayout, slotAt: number): SlotLayout {
  return Object.fromEntries(Object.entries(layout).map(([name, offset]) => [name, slotAt + offset])) as unknown as SlotLayout;
}

/** Rounds up to 16 bytes, so every typed view is aligned and SIMD loads would be too. */
function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/**
 * Where a tree's working arrays lie in its slot, for `rows x cols` training data of
 * `codeBytes` bytes per code, at most `maxCodes` codes per feature and `nClasses` classes.
 */
export function slotLayout(rows: number, cols: number, codeBytes: number, maxCodes: number, nClasses: number): SlotLayout {
  const sizes: [keyof SlotLayout, number][] = [
    ['samples', 4 * rows], ['sy', 4 * rows], ['sw', 4 * rows],
    ['spare', 4 * rows], ['spareY', 4 * rows], ['spareW', 4 * rows],
    ['block', Math.min(rows, LOCAL_ROWS) * cols * codeBytes],
    ['hist4', 16 * maxCodes * nClasses], ['hist', 8 * maxCodes * nClasses],
    ['counts', 4 * maxCodes], ['mark', 4 * maxCodes], ['present', 4 * maxCodes],
    ['total', 8 * nClasses], ['left', 8 * nClasses], ['bestLeft', 8 * nClasses], ['result', 16],
  ];
  const layout = { bytes: 0 } as SlotLayout;
  for (const [name, size] of sizes) {
    layout[name] = layout.bytes;
    layout.bytes += align(size);
  }
  return layout;
}

/**
 * @throws RangeError naming the size when `bytes` do not fit WebAssembly's 4 GiB, which
 * bounds the training data a forest takes (about 2 GiB of codes: rows x features x code bytes).
 */
export function checkWasmBytes(bytes: number, what: string): void {
  if (bytes > WASM_MAX_BYTES) {
    throw new RangeError(`RandomForestClassifier: ${what} take ${bytes} bytes of WebAssembly memory, more than its ${WASM_MAX_BYTES} bytes (4 GiB)`);
  }
}

/**
 * A shared memory holding the codes of `rows x cols` data, `codeBytes` per code, twice
 * (column-major at 0, row-major after), then `nValues` float64 feature values; slots are
 * added by {@link reserveSlots}. It is the
 * memory last given back with {@link releaseCodesMemory} when that one is large enough:
 * its contents are stale, and every array is written before it is read.
 * @throws RangeError when the codes exceed WebAssembly's 4 GiB.
 */
export function codesMemory(rows: number, cols: number, codeBytes: number, nValues: number): { memory: WebAssembly.Memory; rowCodesAt: number; valuesAt: number; slotsAt: number } {
  const one = align(rows * cols * codeBytes), bytes = 2 * one + align(8 * nValues);
  checkWasmBytes(bytes, `the codes of ${rows} x ${cols} features (${codeBytes} bytes each, twice) and their ${nValues} values`);
  let memory = spare;
  spare = undefined;
  if (!memory || memory.buffer.byteLength < bytes) {
    memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)), maximum: WASM_MAX_BYTES / PAGE, shared: true });
  }
  return { memory, rowCodesAt: one, valuesAt: 2 * one, slotsAt: bytes };
}

/**
 * Fresh pages cost a page fault on first touch: the codes of 40,000 MNIST rows took
 * ~0.5 s to write into new memory on this machine, more than into used memory. So the
 * last forest's memory is kept for the next (cross-validation's folds are alike in size),
 * one memory of at most {@link SPARE_MAX_BYTES}.
 */
let spare: WebAssembly.Memory | undefined;

/** Largest memory kept for the next forest: 256 MiB, MNIST's 60,000 rows with room to spare. */
const SPARE_MAX_BYTES = 256 * 2 ** 20;

/** Gives back a memory from {@link codesMemory} whose trees are grown; the next forest may reuse it. */
export function releaseCodesMemory(memory: WebAssembly.Memory): void {
  if (memory.buffer.byteLength <= SPARE_MAX_BYTES) spare = memory;
}

/**
 * Grows `memory` to hold `slots` slots of `layout` from `slotsAt`. Call before handing the
 * memory to threads for a forest, not while they grow trees in it.
 * @throws RangeError when the slots would pass WebAssembly's 4 GiB.
 */
export function reserveSlots(memory: WebAssembly.Memory, slotsAt: number, layout: SlotLayout, slots: number): void {
  const bytes = slotsAt + slots * layout.bytes;
  checkWasmBytes(bytes, `the codes and ${slots} trees' working arrays`);
  const pages = Math.ceil(bytes / PAGE) - memory.buffer.byteLength / PAGE;
  if (pages > 0) memory.grow(pages);
}
