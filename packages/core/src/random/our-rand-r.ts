/**
 * scikit-learn 1.2.1's own xorshift generator, `our_rand_r` (sklearn/utils/_random.pxd),
 * which its Cython code draws from where numpy's generators cannot be called: the tree
 * splitters' feature draws and the SGD dataset's shuffle.
 */

/** scikit-learn's `RAND_R_MAX`: `our_rand_r` returns values in [0, RAND_R_MAX]. */
export const RAND_R_MAX = 0x7fffffff;

/** scikit-learn's `DEFAULT_SEED`, put in place of a zero state (xorshift would stay at 0). */
const DEFAULT_SEED = 1;

/** One `UINT32_t` state of `our_rand_r` and the draws scikit-learn makes from it. */
export class OurRandR {
  private state: number;

  /** @param seed - the uint32 state scikit-learn starts from (e.g. a splitter's `rand_r_state`) */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** `our_rand_r(&state)`: advances the state; returns it modulo `RAND_R_MAX + 1`. */
  next(): number {
    let s = this.state === 0 ? DEFAULT_SEED : this.state;
    s = (s ^ (s << 13)) >>> 0;
    s = (s ^ (s >>> 17)) >>> 0;
    s = (s ^ (s << 5)) >>> 0;
    this.state = s;
    // `% (RAND_R_MAX + 1)` of a uint32 is its low 31 bits.
    return s & RAND_R_MAX;
  }

  /** `rand_int(low, high, &state)` (sklearn/tree/_utils.pxd): an integer in [low, high). */
  randInt(low: number, high: number): number {
    return low + (this.next() % (high - low));
  }
}

/**
 * Permutes `index` in place as scikit-learn's `SequentialDataset.shuffle(seed)`
 * (sklearn/utils/_seq_dataset.pyx.tp) does: for i = 0 to n-2, swap `index[i]` with
 * `index[rand_int(i, n)]`, from a fresh state `seed`. Callers pass the same seed every
 * epoch, as scikit-learn does; the permutations still differ because each one starts from
 * the previous order.
 */
export function shuffleLikeSklearn(index: Int32Array, seed: number): void {
  const rng = new OurRandR(seed);
  const n = index.length;
  for (let i = 0; i < n - 1; i++) {
    const j = rng.randInt(i, n);
    const tmp = index[i];
    index[i] = index[j];
    index[j] = tmp;
  }
}
