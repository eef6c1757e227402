/**
 * Sums in the order numpy's `np.add.reduce` uses for a contiguous float64 array
 * (unrolled blocks of 8, pairwise above 128 values), so that means and averages
 * agree with scikit-learn to the last bit rather than to a tolerance.
 */
export function pairwiseSum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = a[start + j];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    }
    let res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** `np.mean` of a 1-D float64 array. */
export function numpyMean(a: ArrayLike<number>): number {
  return pairwiseSum(a) / a.length;
}

/** `np.average(a, weights=w)`: `sum(a * w) / sum(w)`, both sums pairwise. */
export function numpyWeightedAverage(a: ArrayLike<number>, w: ArrayLike<number>): number {
  const prod = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) prod[i] = a[i] * w[i];
  return pairwiseSum(prod) / pairwiseSum(w);
}
