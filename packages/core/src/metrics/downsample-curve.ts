/**
 * Keeps at most `maxPoints` points of a curve for storage, e.g. a 60,000-point
 * precision-recall curve down to a few hundred. Points are a subsequence taken at evenly
 * spaced indices, so monotone arrays stay monotone and the first and last points are kept.
 *
 * All arrays must have the curve's length L, or L - 1 like precision-recall `thresholds`
 * (whose final point has no threshold); the shorter arrays keep their own last value and
 * stay one shorter, so index alignment is unchanged.
 *
 * @param maxPoints - at least 2 (3 when an array is one shorter)
 * @throws on inconsistent array lengths or too small `maxPoints`.
 */
export function downsampleCurve<C extends { [K in keyof C]: Float64Array }>(curve: C, maxPoints: number): C {
  const entries = Object.entries(curve) as [string, Float64Array][];
  const length = Math.max(0, ...entries.map(([, a]) => a.length));
  for (const [name, a] of entries) {
    if (a.length !== length && a.length !== length - 1) {
      throw new RangeError(`curve array '${name}' has ${a.length} points; expected ${length} or ${length - 1}`);
    }
  }
  const hasShorter = entries.some(([, a]) => a.length === length - 1);
  const minPoints = hasShorter ? 3 : 2;
  if (!Number.isInteger(maxPoints) || maxPoints < minPoints) {
    throw new RangeError(`maxPoints must be an integer >= ${minPoints}, got ${maxPoints}`);
  }
  if (length <= maxPoints) {
    return Object.fromEntries(entries.map(([k, a]) => [k, a.slice()])) as C;
  }
  // The evenly spaced part ends at the last index every array has.
  const anchor = hasShorter ? length - 2 : length - 1;
  const k = hasShorter ? maxPoints - 1 : maxPoints;
  const picks: number[] = [];
  for (let i = 0; i < k; i++) picks.push(Math.round((i * anchor) / (k - 1)));
  if (hasShorter) picks.push(length - 1);
  const out = entries.map(([name, a]) => {
    const own = a.length === length ? picks : picks.slice(0, -1);
    return [name, Float64Array.from(own, (i) => a[i])];
  });
  return Object.fromEntries(out) as C;
}
