/**
 * NumPy 1.24's legacy `np.random.RandomState` (numpy/random/mtrand.pyx over
 * numpy/random/src/mt19937), reduced to the draws scikit-learn 1.2.1 makes from it, so that
 * a seeded gridfold run draws exactly what scikit-learn draws.
 */

const N = 624;
const M = 397;

/** A writable indexed array: a typed array or a plain one. */
export interface WritableArrayLike<T> {
  readonly length: number;
  [i: number]: T;
}

/**
 * NumPy's legacy `np.random.RandomState(seed)` (also `np.random.seed(seed)`): MT19937 with
 * integer seeding, `randint` by masked rejection, `random_sample` from 53 bits, and the
 * Fisher-Yates `shuffle` and `permutation`.
 */
export class RandomState {
  private readonly mt = new Uint32Array(N);
  private pos = N;

  /** @param seed - an integer in [0, 2**32 - 1], seeded as `RandomState(seed)` does (`mt19937_seed`) */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be an integer in [0, 2**32 - 1], got ${seed}`);
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  /** The next 32-bit output of MT19937 (`mt19937_next32`). */
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

  /**
   * `randint(low, high)`: an integer in [low, high), for ranges below 2**32. numpy's legacy
   * path (`_rand_int64` with `use_masked=True`) masks 32-bit draws to the range's bit width
   * and rejects those above it, as `random_interval` does.
   */
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

  /** `randint(low, high, size=out.length)` into `out`, in numpy's draw order. */
  fillRandint(out: WritableArrayLike<number>, low: number, high: number): void {
    for (let i = 0; i < out.length; i++) out[i] = this.randint(low, high);
  }

  /** `random_sample()`: a double in [0, 1) from two 32-bit draws (53 bits), numpy's `mt19937_next_double`. */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * `shuffle(x)` on a 1-d array, in place: numpy's `_shuffle_raw`, Fisher-Yates from the
   * end, swapping `x[i]` with `x[random_interval(i)]` for i = n-1 down to 1 (one draw each).
   * scikit-learn's `utils.shuffle` and `resample(replace=False)` shuffle an `arange` this way.
   */
  shuffle<T>(x: WritableArrayLike<T>): void {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randint(0, i + 1);
      const t = x[i];
      x[i] = x[j];
      x[j] = t;
    }
  }

  /** `permutation(n)`: `arange(n)` after {@link shuffle}. */
  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new RangeError(`permutation length must be an integer in [0, 2**31 - 1], got ${n}`);
    const order = Int32Array.from({ length: n }, (_, i) => i);
    this.shuffle(order);
    return order;
  }
}

/**
 * scikit-learn's `MAX_INT` (`np.iinfo(np.int32).max`, in sklearn/ensemble/_forest.py and
 * sklearn/linear_model/_stochastic_gradient.py): the exclusive bound of every seed it draws
 * with `randint` from a RandomState.
 */
export const SKLEARN_MAX_INT = 0x7fffffff;
