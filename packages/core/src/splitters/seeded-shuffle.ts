/**
 * mulberry32: a small 32-bit generator. gridfold's shuffles use it instead of numpy's
 * Mersenne Twister, so shuffled folds are reproducible across workers but differ from
 * scikit-learn's.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A generator for `randomState`, or a freshly seeded one when it is null. */
export function generatorFor(randomState: number | null): () => number {
  return mulberry32(randomState ?? Math.floor(Math.random() * 2 ** 32));
}

/** Fisher-Yates shuffle in place. */
export function shuffleInPlace(a: Int32Array, random: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = a[i];
    a[i] = a[j];
    a[j] = tmp;
  }
}
