/**
 * numpy's legacy global generator (`np.random.seed(s)`; `np.random.randint(low, high, n)`),
 * reproduced so the seeds' noisy-MNIST data (np.random.seed(42); randint(0, 100, ...))
 * is the same array here. MT19937 seeded with init_genrand, integers drawn as numpy's
 * legacy path does: 32-bit outputs masked to the next power of two, rejected when out of range.
 */
export class NumpyRandomState {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev mod 2^32, split to stay exact in doubles
      mt[i] = ((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) + (prev & 0x0000ffff) * 1812433253 + i;
    }
  }

  /** The next raw 32-bit output of MT19937. */
  nextUint32(): number {
    if (this.index >= 624) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Like `randint(low, high, size)` (high exclusive) for ranges below 2^32, into `out`. */
  fillRandint(out: Uint8Array | Uint16Array | Int32Array | Float64Array, low: number, high: number): void {
    const range = high - low - 1;
    if (range < 0 || range > 0xfffffffe) throw new RangeError(`randint: need low < high within 2^32, got [${low}, ${high})`);
    let mask = range;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    for (let i = 0; i < out.length; i++) {
      let v: number;
      do v = (this.nextUint32() & mask) >>> 0;
      while (v > range);
      out[i] = low + v;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
      let next = mt[(i + 397) % 624] ^ (y >>> 1);
      if (y & 1) next ^= 0x9908b0df;
      mt[i] = next;
    }
    this.index = 0;
  }
}
