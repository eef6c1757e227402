import { describe, expect, it } from 'vitest';
import { RandomState, SKLEARN_MAX_INT } from '../../src/random/numpy-random-state.js';
import { loadLinearFixture } from '../estimators/linear-fixtures.js';

// Numbers from fixtures/make_linear_fixtures.py: numpy 1.24 RandomState(seed) draws
// (randint, random_sample, permutation) as scikit-learn 1.2.1 makes them.
const fixture = loadLinearFixture<{
  randint_max_int: Record<string, number[]>;
  randint_1_max_int: Record<string, number>;
  random_sample: Record<string, number[]>;
  permutation: Record<string, Record<string, number[]>>;
}>('random.json');

describe('RandomState', () => {
  it('draws randint(MAX_INT) as numpy does', () => {
    for (const [seed, draws] of Object.entries(fixture.randint_max_int)) {
      const rs = new RandomState(Number(seed));
      expect(draws.map(() => rs.randint(0, SKLEARN_MAX_INT))).toEqual(draws);
    }
    for (const [seed, draw] of Object.entries(fixture.randint_1_max_int)) {
      expect(new RandomState(Number(seed)).randint(1, SKLEARN_MAX_INT)).toBe(draw);
    }
  });

  it('draws random_sample as numpy does, bit for bit', () => {
    for (const [seed, draws] of Object.entries(fixture.random_sample)) {
      const rs = new RandomState(Number(seed));
      expect(draws.map(() => rs.randomSample())).toEqual(draws);
    }
  });

  it('permutes as numpy does, and shuffle applies the same swaps to any array', () => {
    for (const [seed, byLength] of Object.entries(fixture.permutation)) {
      for (const [n, order] of Object.entries(byLength)) {
        expect(Array.from(new RandomState(Number(seed)).permutation(Number(n)))).toEqual(order);
        const letters = Array.from({ length: Number(n) }, (_, i) => `r${i}`);
        new RandomState(Number(seed)).shuffle(letters);
        expect(letters).toEqual(order.map((i) => `r${i}`));
      }
    }
  });

  it('rejects seeds numpy rejects and lengths it cannot permute', () => {
    expect(() => new RandomState(-1)).toThrow(/got -1/);
    expect(() => new RandomState(2 ** 32)).toThrow(RangeError);
    expect(() => new RandomState(0).permutation(2.5)).toThrow(/got 2.5/);
  });
});
