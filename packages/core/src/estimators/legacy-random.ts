/**
 * The two random generators scikit-learn's SGD draws from, ported so that a seeded fit
 * visits samples in exactly scikit-learn's order: NumPy's legacy `RandomState`
 * (MT19937 with integer seeding, `randint` by masked rejection) and the xorshift
 * `our_rand_r` that shuffles the SGD dataset.
 */

const N = 624;
const M = 397;
const MAX_INT32 = 0x7fffffff;

/**
 * NumPy's legacy `np.random.RandomState(seed)` (also `np.random.seed(seed)`), reduced to the
 * draws gridfold needs: scikit-learn's SGD seeds and the seeds' noisy-MNIST `randint`.
 */
export class RandomState {
  private readonly mt = new Uint32Array(N);
  private pos = N;

  /** @param seed - an integer in [0, 2**32 - 1], seeded as `RandomState(seed)` does */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be an integer in [0, 2**32 - 1], got ${seed}`);
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  /** The next 32-bit output of MT19937 (`genrand_int32`). */
  nextUint32(): number {
    const mt = this.mt;
    if (this.pos >= N) {
      for (let k = 0; k < N; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
        mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.pos = 0;
    }
    let y = mt[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `randint(low, high)`: an integer in [low, high), for ranges below 2**32. */
  randint(low: number, high: number): number {
    const range = high - 1 - low;
    if (range < 0 || range > 0xffffffff) throw new RangeError(`randint range [${low}, ${high}) is empty or wider than 2**32`);
    // numpy returns `low` for a one-value range without drawing.
    if (range === 0) return low;
    let mask = range;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do value = (this.nextUint32() & mask) >>> 0;
    while (value > range);
    return low + value;
  }

  /** `random_sample()`: a double in [0, 1) from two 32-bit draws (53 bits), as numpy's legacy generator. */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** `randint(low, high, size=out.length)` into `out`, in numpy's draw order. */
  fillRandint(out: { length: number; [i: number]: number }, low: number, high: number): void {
    for (let i = 0; i < out.length; i++) out[i] = this.randint(low, high);
  }
}

/** scikit-learn's `MAX_INT` (`np.iinfo(np.int32).max`), the bound of every seed it draws. */
export const SKLEARN_MAX_INT = MAX_INT32;

/**
 * Permutes `index` in place as scikit-learn's `SequentialDataset.shuffle(seed)` does: a
 * Fisher-Yates pass driven by `our_rand_r` from a copy of `seed`. Callers pass the same
 * seed every epoch, as scikit-learn does; the permutations still differ because each one
 * starts from the previous order.
 */
export function shuffleLikeSklearn(index: Int32Array, seed: number): void {
  // The uint32 state is kept as int32 bits (the same xor-shifts) so that `% (n - i)` stays an
  // integer division; `& 0x7fffffff` is our_rand_r's `% (RAND_R_MAX + 1)`.
  let state = seed | 0;
  const n = index.length;
  for (let i = 0; i < n - 1; i++) {
    if (state === 0) state = 1;
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const j = i + ((state & 0x7fffffff) % (n - i));
    const tmp = index[i];
    index[i] = index[j];
    index[j] = tmp;
  }
}
