import { describe, expect, it } from 'vitest';
import { OurRandR, shuffleLikeSklearn } from '../../src/random/our-rand-r.js';
import { loadLinearFixture } from '../estimators/linear-fixtures.js';

// Numbers from fixtures/make_linear_fixtures.py: scikit-learn 1.2.1's _our_rand_r_py(seed)
// (one our_rand_r draw) and the order its ArrayDataset64 visits after _shuffle_py(12345), 3 times.
const fixture = loadLinearFixture<{
  our_rand_r: Record<string, number>;
  shuffle: { n: number; seed: number; orders: number[][] };
}>('random.json');

describe('our_rand_r', () => {
  it('draws as scikit-learn does, a zero state included', () => {
    for (const [seed, draw] of Object.entries(fixture.our_rand_r)) expect(new OurRandR(Number(seed)).next()).toBe(draw);
  });

  it('shuffles as SequentialDataset.shuffle, each epoch from the previous order', () => {
    const index = Int32Array.from({ length: fixture.shuffle.n }, (_, i) => i);
    for (const order of fixture.shuffle.orders) {
      shuffleLikeSklearn(index, fixture.shuffle.seed);
      expect(Array.from(index)).toEqual(order);
    }
  });
});
