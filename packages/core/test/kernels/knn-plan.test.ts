import { describe, expect, it } from 'vitest';
import { choosePlan, float32ScoreErrorBound, scanValues } from '../../src/kernels/knn-plan.js';

// Hand-computed bounds: float32 holds integers exactly below 2^24 = 16,777,216.
describe('choosePlan', () => {
  const pixels = { integer: true, min: 0, max: 255 };

  it('uses MatMulInteger for MNIST pixels (784 * 255 * 255 * 3 = 152,938,800 < 2^31)', () => {
    expect(choosePlan(pixels, pixels, 784)).toEqual({ kind: 'uint8' });
  });

  it('quantizes pixels + noise (0..354) to bytes where the uint8 GEMM is exact (3 * 784 * 255^2 < 2^31)', () => {
    const noisy = { integer: true, min: 0, max: 354 };
    expect(choosePlan(noisy, noisy, 784)).toEqual({ kind: 'quantized' });
    expect(choosePlan({ integer: false, min: -1.5, max: 2 }, pixels, 784)).toEqual({ kind: 'quantized' });
  });

  it('quantizes only while bytes fit the uint8 plan: 3 * 11,008 * 255^2 = 2,147,385,600 < 2^31, 11,009 gives 2,147,580,675', () => {
    const real = { integer: false, min: 0, max: 1 };
    expect(choosePlan(real, real, 11_008)).toEqual({ kind: 'quantized' });
    expect(choosePlan(real, real, 11_009)).toEqual({ kind: 'float' });
  });

  it('splits queries for pixels + noise (0..354) without an exact uint8 GEMM: 784 * 354 * 354 = 98,247,744 > 2^24 unsplit', () => {
    const noisy = { integer: true, min: 0, max: 354 };
    // base 16: hi <= 22, lo <= 15, 784 * 22 * 354 = 6,105,792 < 2^24; base 32 gives 31, base 8 gives 44
    expect(choosePlan(noisy, noisy, 784, { uint8Exact: false })).toEqual({ kind: 'integer', base: 16 });
  });

  it('needs no split for small integers (6 * 5 * 5 = 150) and handles negatives', () => {
    expect(choosePlan({ integer: true, min: -5, max: 5 }, { integer: true, min: -3, max: 2 }, 6)).toEqual({ kind: 'integer', base: 0 });
  });

  it('without an exact uint8 GEMM, falls back to the float plan for non-integers and for integers too large for int32 scores', () => {
    expect(choosePlan({ integer: false, min: -1.5, max: 2 }, pixels, 784, { uint8Exact: false })).toEqual({ kind: 'float' });
    expect(choosePlan({ integer: true, min: 0, max: 100_000 }, pixels, 784, { uint8Exact: false })).toEqual({ kind: 'float' });
  });
});

describe('scanValues', () => {
  it('reports integrality and range, and rejects NaN and infinity', () => {
    expect(scanValues(Float64Array.of(3, -2, 7), 'x')).toEqual({ integer: true, min: -2, max: 7 });
    expect(scanValues(Float32Array.of(0.5, 1), 'x')).toEqual({ integer: false, min: 0.5, max: 1 });
    expect(() => scanValues(Float64Array.of(1, Infinity), 'x')).toThrow('x contains NaN or infinity');
    expect(() => scanValues(Float64Array.of(NaN, 1), 'x')).toThrow('x contains NaN or infinity');
  });
});

describe('float32ScoreErrorBound', () => {
  it('is 2u((2d + 8)|q||t|max + 2|t|max^2) with u = 2^-24', () => {
    expect(float32ScoreErrorBound(4, 3, 2)).toBe(2 * 2 ** -24 * (16 * 6 + 8));
  });
});
