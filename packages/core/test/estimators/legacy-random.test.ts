import { describe, expect, it } from 'vitest';
import { RandomState, shuffleLikeSklearn, SKLEARN_MAX_INT } from '../../src/estimators/legacy-random.js';
import { loadLinearFixture } from './linear-fixtures.js';

// Numbers from fixtures/make_linear_fixtures.py: numpy 1.24 RandomState(seed).randint draws
// and the order scikit-learn 1.2.1's ArrayDataset64 visits after _shuffle_py(12345), 3 times.
const fixture = loadLinearFixture<{
  randint_max_int: Record<string, number[]>;
  randint_1_max_int: Record<string, number>;
  shuffle: { n: number; seed: number; orders: number[][] };
}>('random.json');

describe('legacy RandomState and the SGD shuffle', () => {
  it('draws randint(MAX_INT) as numpy does', () => {
    for (const [seed, draws] of Object.entries(fixture.randint_max_int)) {
      const rs = new RandomState(Number(seed));
      expect(draws.map(() => rs.randint(0, SKLEARN_MAX_INT))).toEqual(draws);
    }
    for (const [seed, draw] of Object.entries(fixture.randint_1_max_int)) {
      expect(new RandomState(Number(seed)).randint(1, SKLEARN_MAX_INT)).toBe(draw);
    }
  });

  it('shuffles as SequentialDataset.shuffle, each epoch from the previous order', () => {
    const index = Int32Array.from({ length: fixture.shuffle.n }, (_, i) => i);
    for (const order of fixture.shuffle.orders) {
      shuffleLikeSklearn(index, fixture.shuffle.seed);
      expect(Array.from(index)).toEqual(order);
    }
  });

  it('rejects seeds numpy rejects', () => {
    expect(() => new RandomState(-1)).toThrow(/got -1/);
    expect(() => new RandomState(2 ** 32)).toThrow(RangeError);
  });
});
