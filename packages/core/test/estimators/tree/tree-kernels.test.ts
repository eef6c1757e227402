import { describe, expect, it } from 'vitest';
import { treeKernels } from '../../../src/estimators/tree/tree-kernels.js';

// The kernels against plain TypeScript loops (the tree builder's loops before the kernels,
// written out here) on random inputs, for every code width. Integer weights make every sum
// exact, so results must be equal, not close.

/** A small xorshift generator, so failures reproduce. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

const WIDTHS = [1, 2, 4] as const;
type Codes = Uint8Array | Uint16Array | Uint32Array;
const CODES = { 1: Uint8Array, 2: Uint16Array, 4: Uint32Array };

/** A memory with: codes at 0 (`rows` of them), then int32 arrays of `rows` at the returned addresses. */
function setup(width: 1 | 2 | 4, rows: number, nCodes: number, seed: number, constant = false) {
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
  const k = treeKernels(memory, width);
  const rand = rng(seed);
  const codes = new CODES[width](memory.buffer, 0, rows) as Codes;
  const first = rand(nCodes);
  // Skewed codes (often 0), as pixels are, so the four copies hit the same bins.
  for (let i = 0; i < rows; i++) codes[i] = constant ? first : rand(3) === 0 ? 0 : rand(nCodes);
  const int32 = (index: number) => ({ at: 65536 * (index + 2), view: new Int32Array(memory.buffer, 65536 * (index + 2), rows) });
  const samples = int32(0), sy = int32(1), sw = int32(2);
  // Samples: an ascending subset of the rows, as a node holds them.
  let n = 0;
  for (let r = 0; r < rows; r++) if (rand(3) > 0) samples.view[n++] = r;
  for (let i = 0; i < n; i++) {
    sy.view[i] = rand(3);
    sw.view[i] = 1 + rand(4);
  }
  return { memory, k, rand, codes, samples, sy, sw, n, int32 };
}

describe('tree kernels match the TypeScript loops', () => {
  // histogram's arguments after the node's: nCodes, nClasses, copies, hist4, hist, mark, present, stamp, counts.
  const MiB = 2 ** 20, HIST4 = MiB, HIST = 4 * MiB, MARK = 8 * MiB, PRESENT = 10 * MiB, COUNTS = 12 * MiB;

  it.each(WIDTHS)('histogram returns 1 exactly when the node is constant in the feature, %i-byte codes, every tail length', (w) => {
    for (let seed = 1; seed <= 40; seed++) {
      const nCodes = w === 1 ? 256 : w === 2 ? 60_000 : 70_000;
      const { k, codes, samples, sy, sw, n, rand } = setup(w, 200, nCodes, seed, seed % 2 === 0);
      // One differing sample at a random place in some constant runs.
      if (seed % 4 === 0) codes[samples.view[rand(n)]] ^= 1;
      const start = rand(8), end = start + 2 + rand(n - start - 2);
      let same = true;
      for (let i = start + 1; i < end; i++) if (codes[samples.view[i]] !== codes[samples.view[start]]) same = false;
      const m = k.histogram(0, samples.at, sy.at, sw.at, start, end, nCodes, 3, 0, HIST4, HIST, MARK, PRESENT, seed, 0);
      expect(m === 1, `seed ${seed}`).toBe(same);
    }
  });

  it.each(WIDTHS)('the dense histograms (one and four copies), with and without counts, %i-byte codes', (w) => {
    for (const copies of [1, 4]) {
      for (let seed = 1; seed <= 10; seed++) {
        const nCodes = 20 + seed, C = 3, withCounts = seed % 2 === 0;
        const { memory, k, samples, sy, sw, codes, n } = setup(w, 3000, nCodes, seed);
        const start = seed, end = n - seed;
        // Some codes carry one class only: a code is present by its total weight, not by one bin.
        for (let i = 0; i < n; i++) if (codes[samples.view[i]] % 3 === 0) sy.view[i] = 0;
        new Int32Array(memory.buffer, HIST4, 4 * nCodes * C).fill(-7); // the kernel clears it
        new Int32Array(memory.buffer, COUNTS, nCodes).fill(5);
        const m = k.histogram(0, samples.at, sy.at, sw.at, start, end, nCodes, C, copies, HIST4, HIST, MARK, PRESENT, 0, withCounts ? COUNTS : 0);
        const want = new Float64Array(nCodes * C), count = new Int32Array(nCodes);
        for (let i = start; i < end; i++) {
          want[codes[samples.view[i]] * C + sy.view[i]] += sw.view[i];
          count[codes[samples.view[i]]]++;
        }
        const wantPresent = [...Array(nCodes).keys()].filter((c) => want[c * C] + want[c * C + 1] + want[c * C + 2] > 0);
        expect(new Float64Array(memory.buffer, HIST, nCodes * C)).toEqual(want);
        expect([...new Int32Array(memory.buffer, PRESENT, m)]).toEqual(wantPresent);
        if (withCounts) expect(new Int32Array(memory.buffer, COUNTS, nCodes)).toEqual(count);
      }
    }
  });

  it.each(WIDTHS)('the marked histogram, with and without counts, stamps reused, %i-byte codes', (w) => {
    const nCodes = 500, C = 2;
    const { memory, k, samples, sy, sw, codes, n } = setup(w, 400, nCodes, 7);
    const histView = new Float64Array(memory.buffer, HIST, nCodes * C), countView = new Int32Array(memory.buffer, COUNTS, nCodes);
    histView.fill(99); // stale rows from earlier builds are cleared on first sight
    sy.view.forEach((v, i) => (sy.view[i] = v % C));
    for (let stamp = 1; stamp <= 6; stamp++) {
      const start = 10 * stamp, end = n - 5 * stamp, withCounts = stamp % 2 === 0;
      const m = k.histogram(0, samples.at, sy.at, sw.at, start, end, nCodes, C, 0, HIST4, HIST, MARK, PRESENT, stamp, withCounts ? COUNTS : 0);
      const seen: number[] = [], want = new Map<number, number[]>();
      for (let i = start; i < end; i++) {
        const code = codes[samples.view[i]];
        if (!want.has(code)) {
          seen.push(code);
          want.set(code, [0, 0, 0]);
        }
        want.get(code)![sy.view[i]] += sw.view[i];
        want.get(code)![2]++;
      }
      expect([...new Int32Array(memory.buffer, PRESENT, m)]).toEqual(seen);
      for (const code of seen) {
        expect([histView[code * C], histView[code * C + 1]]).toEqual(want.get(code)!.slice(0, 2));
        if (withCounts) expect(countView[code]).toBe(want.get(code)![2]);
      }
    }
  });

  it.each(WIDTHS)('compact copies the rows and points the samples at them, %i-byte codes', (w) => {
    const rows = 300, cols = 7;
    const { memory, k, samples, n, rand } = setup(w, rows, 10, 11);
    const rowCodes = new CODES[w](memory.buffer, 65536 * 8, rows * cols) as Codes;
    for (let i = 0; i < rowCodes.length; i++) rowCodes[i] = rand(w === 1 ? 256 : 70_000);
    const block = 65536 * 9, start = 4, end = n - 2;
    const before = samples.view.slice();
    k.compact(rowCodes.byteOffset, block, samples.at, start, end, cols);
    const blockView = new CODES[w](memory.buffer, block, (end - start) * cols);
    for (let i = start; i < end; i++) {
      expect(samples.view[i]).toBe((i - start) * cols);
      expect([...blockView.subarray((i - start) * cols, (i - start + 1) * cols)]).toEqual([...rowCodes.subarray(before[i] * cols, (before[i] + 1) * cols)]);
    }
    expect(samples.view.subarray(0, start)).toEqual(before.subarray(0, start));
    expect(samples.view.subarray(end)).toEqual(before.subarray(end));
  });

  it.each(WIDTHS)('partition is stable and moves classes and weights along, %i-byte codes', (w) => {
    for (let seed = 1; seed <= 10; seed++) {
      const { k, samples, sy, sw, codes, n, int32, rand } = setup(w, 500, 50, seed);
      const spare = int32(3), spareY = int32(4), spareW = int32(5);
      const start = rand(20), end = n - rand(20), last = rand(50);
      const triple = (i: number) => [samples.view[i], sy.view[i], sw.view[i]];
      const all = [...Array(end - start).keys()].map((i) => triple(start + i));
      const left = all.filter(([s]) => codes[s] <= last), right = all.filter(([s]) => codes[s] > last);
      const p = k.partition(0, samples.at, sy.at, sw.at, spare.at, spareY.at, spareW.at, start, end, last);
      expect(p).toBe(start + left.length);
      expect([...Array(end - start).keys()].map((i) => triple(start + i))).toEqual([...left, ...right]);
    }
  });

  it('transposeBytes, over blocks of rows and a partial last block', () => {
    for (const [rows, cols] of [[5, 3], [600, 3], [300, 784], [257, 2]]) {
      const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
      const src = new Uint8Array(memory.buffer, 65536 * 8, rows * cols);
      src.forEach((_, i) => (src[i] = (i * 7) % 251));
      treeKernels(memory, 1).transposeBytes(src.byteOffset, 0, rows, cols);
      const want = new Uint8Array(rows * cols);
      for (let r = 0; r < rows; r++) for (let f = 0; f < cols; f++) want[f * rows + r] = src[r * cols + f];
      expect(new Uint8Array(memory.buffer, 0, rows * cols), `${rows} x ${cols}`).toEqual(want);
    }
  });

  it('scan finds the same best split, proxy and left side as the TypeScript scan, with min_samples_leaf and near ties', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rand = rng(seed), C = 1 + (seed % 4), m = 2 + rand(60), minLeaf = seed % 3 === 0 ? 1 + rand(20) : 1, nearTies = seed % 2;
      const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
      const base = 65536;
      const hist = new Float64Array(memory.buffer, base, m * C), counts = new Int32Array(memory.buffer, 2 * base, m);
      const present = new Int32Array(memory.buffer, 3 * base, m), values = new Float64Array(memory.buffer, 4 * base, m);
      const total = new Float64Array(memory.buffer, 5 * base, C), left = 5 * base + 1024, bestLeft = new Float64Array(memory.buffer, 5 * base + 2048, C);
      const result = 5 * base + 3072;
      // Codes 0..m-1 present in order; ascending values, some within 1e-7 of the previous one.
      for (let k = 0; k < m; k++) {
        present[k] = k;
        values[k] = k === 0 ? 0.5 : values[k - 1] + (rand(4) === 0 ? 5e-8 : 0.25 * (1 + rand(3)));
        counts[k] = 0;
        for (let c = 0; c < C; c++) {
          hist[k * C + c] = rand(3) === 0 ? rand(50) : 0;
          counts[k] += hist[k * C + c];
        }
        if (counts[k] === 0) hist[k * C] = counts[k] = 1;
      }
      let wNode = 0, nNode = 0;
      for (let c = 0; c < C; c++) for (let k = 0; k < m; k++) total[c] += hist[k * C + c];
      for (let c = 0; c < C; c++) wNode += total[c];
      for (let k = 0; k < m; k++) nNode += counts[k];
      // The reference: the splitter's scan before the kernel.
      let best = -Infinity, bestCode = -1, bestWl = 0, want: number[] = [];
      const l = new Float64Array(C);
      let wl = 0, nl = 0;
      for (let k = 0; k < m - 1; k++) {
        for (let c = 0; c < C; c++) {
          l[c] += hist[k * C + c];
          wl += hist[k * C + c];
        }
        if (minLeaf > 1) {
          nl += counts[k];
          if (nl < minLeaf || nNode - nl < minLeaf) continue;
        }
        if (nearTies && values[k + 1] <= values[k] + 1e-7) continue;
        const wr = wNode - wl;
        let sqL = 0, sqR = 0;
        for (let c = 0; c < C; c++) {
          sqL += l[c] * l[c];
          sqR += (total[c] - l[c]) * (total[c] - l[c]);
        }
        const proxy = -wr * (1 - sqR / (wr * wr)) - wl * (1 - sqL / (wl * wl));
        if (proxy > best) [best, bestCode, bestWl, want] = [proxy, k, wl, [...l]];
      }
      const start = seed % 5 === 0 ? 1e9 : -Infinity; // an earlier feature's better proxy is kept
      const got = treeKernels(memory, 1).scan(hist.byteOffset, counts.byteOffset, present.byteOffset, m, C, total.byteOffset, left, bestLeft.byteOffset,
        values.byteOffset, nearTies, minLeaf, nNode, wNode, start, result);
      if (start > best) {
        expect(got, `seed ${seed}`).toBe(start);
        continue;
      }
      expect(got, `seed ${seed}`).toBe(best);
      if (best === -Infinity) continue;
      expect([...new Int32Array(memory.buffer, result, 2)], `seed ${seed}`).toEqual([bestCode, bestCode + 1]);
      expect(new Float64Array(memory.buffer, result + 8, 1)[0]).toBe(bestWl);
      expect([...bestLeft]).toEqual(want);
    }
  });
});
