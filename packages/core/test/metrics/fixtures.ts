import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { Matrix, type Target } from '../../src/matrix.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A JSON fixture written by one of the fixtures/make_*_fixtures.py scripts (scikit-learn 1.2.1). */
export function loadFixture<T>(relativePath: string): T {
  return JSON.parse(readFileSync(`${ROOT}fixtures/${relativePath}`, 'utf8')) as T;
}

/** Label vector or 0/1 matrix from a fixture's nested lists. */
export function toTarget(y: number[] | number[][]): Target {
  if (Array.isArray(y[0])) {
    const rows = y as number[][];
    return new Matrix(Float64Array.from(rows.flat()), rows.length, rows[0].length);
  }
  return Int32Array.from(y as number[]);
}

/** Element-wise |actual - expected| <= tol (NaN only matches NaN), with the index in the message. */
export function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  expect(actual.length, 'length').toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : Math.abs(a - e) <= tol;
    if (!ok) expect.fail(`index ${i}: got ${a}, expected ${e} (tolerance ${tol})`);
  }
}
