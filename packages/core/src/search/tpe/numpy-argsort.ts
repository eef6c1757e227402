/**
 * numpy 1.24's `argsort(v)` (kind "quicksort", the default): introsort (median-of-3 quicksort,
 * insertion sort for parts of at most 16, heapsort past depth 2*log2(n)). It is not stable, and
 * which of equal values comes first decides, in Optuna's Parzen estimator, which of the tied
 * observations gets which bandwidth; reproducing the order keeps int and step parameters
 * draw-for-draw equal to Optuna's.
 */
export function numpyArgsort(v: ArrayLike<number>): Int32Array {
  const n = v.length;
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  if (n < 2) return idx;
  const swap = (i: number, j: number) => {
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  };
  const stack: number[] = [];
  const depths: number[] = [];
  let pl = 0;
  let pr = n - 1;
  let depth = 2 * (31 - Math.clz32(n));
  for (;;) {
    if (depth < 0) {
      heapsort(v, idx, pl, pr - pl + 1);
    } else {
      while (pr - pl > 15) {
        const pm = pl + ((pr - pl) >> 1);
        if (v[idx[pm]] < v[idx[pl]]) swap(pm, pl);
        if (v[idx[pr]] < v[idx[pm]]) swap(pr, pm);
        if (v[idx[pm]] < v[idx[pl]]) swap(pm, pl);
        const pivot = v[idx[pm]];
        let pi = pl;
        let pj = pr - 1;
        swap(pm, pj);
        for (;;) {
          do pi++;
          while (v[idx[pi]] < pivot);
          do pj--;
          while (pivot < v[idx[pj]]);
          if (pi >= pj) break;
          swap(pi, pj);
        }
        swap(pi, pr - 1);
        // The larger part waits on the stack.
        if (pi - pl < pr - pi) {
          stack.push(pi + 1, pr);
          pr = pi - 1;
        } else {
          stack.push(pl, pi - 1);
          pl = pi + 1;
        }
        depths.push(--depth);
      }
      for (let pi = pl + 1; pi <= pr; pi++) {
        const vi = idx[pi];
        const x = v[vi];
        let pj = pi;
        while (pj > pl && x < v[idx[pj - 1]]) {
          idx[pj] = idx[pj - 1];
          pj--;
        }
        idx[pj] = vi;
      }
    }
    if (stack.length === 0) break;
    pr = stack.pop()!;
    pl = stack.pop()!;
    depth = depths.pop()!;
  }
  return idx;
}

/** numpy's `argsort(v, kind="heapsort")`: the fallback on its own, for tests. */
export function numpyHeapArgsort(v: ArrayLike<number>): Int32Array {
  const idx = Int32Array.from({ length: v.length }, (_, i) => i);
  heapsort(v, idx, 0, v.length);
  return idx;
}

/** numpy's `aheapsort` of idx[start, start + n), 1-based heap indexing. */
function heapsort(v: ArrayLike<number>, idx: Int32Array, start: number, n: number): void {
  const a = (i: number) => start + i - 1;
  const sift = (tmp: number, i: number, size: number) => {
    for (let j = i << 1; j <= size; ) {
      if (j < size && v[idx[a(j)]] < v[idx[a(j + 1)]]) j++;
      if (v[tmp] < v[idx[a(j)]]) {
        idx[a(i)] = idx[a(j)];
        i = j;
        j += j;
      } else break;
    }
    idx[a(i)] = tmp;
  };
  for (let l = n >> 1; l > 0; l--) sift(idx[a(l)], l, n);
  for (let size = n; size > 1; ) {
    const tmp = idx[a(size)];
    idx[a(size)] = idx[a(1)];
    size--;
    sift(tmp, 1, size);
  }
}
