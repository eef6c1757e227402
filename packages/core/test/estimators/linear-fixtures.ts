import { readFileSync } from 'node:fs';

/**
 * Reads fixtures/linear/<name>, written by fixtures/make_linear_fixtures.py from
 * scikit-learn 1.2.1 (rerun the script to regenerate).
 */
export function loadLinearFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../../../fixtures/linear/${name}`, import.meta.url), 'utf8')) as T;
}
