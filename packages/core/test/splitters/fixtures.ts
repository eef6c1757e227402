import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Fold } from '../../src/splitters/index.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A JSON fixture written by fixtures/make_splitter_fixtures.py (scikit-learn 1.2.1). */
export function loadFixture<T>(relativePath: string): T {
  return JSON.parse(readFileSync(`${ROOT}fixtures/${relativePath}`, 'utf8')) as T;
}

/** Fold id per sample (the fold whose test set holds it), the fixtures' compact encoding. */
export function foldIdsOf(folds: Fold[], n: number): number[] {
  const ids = new Array<number>(n).fill(-1);
  folds.forEach(({ test }, f) => test.forEach((i) => (ids[i] = f)));
  return ids;
}

/** Each fold's train set is the sorted complement of its test set, and test sets are sorted. */
export function expectPartition(folds: Fold[], n: number): void {
  for (const { train, test } of folds) {
    const inTest = new Set(test);
    const complement = Array.from({ length: n }, (_, i) => i).filter((i) => !inTest.has(i));
    if (JSON.stringify(Array.from(train)) !== JSON.stringify(complement)) throw new Error('train is not the sorted complement of test');
    if (!test.every((v, i) => i === 0 || v > test[i - 1])) throw new Error('test indices are not sorted');
  }
}
