import { SpecError, type SpecIssue } from '../../src/spec/validate.js';

/** The issues of the SpecError that `check` throws; fails the test when it throws none, or something else. */
export function specIssues(check: () => unknown): SpecIssue[] {
  try {
    check();
  } catch (err) {
    if (err instanceof SpecError) return err.issues;
    throw err;
  }
  throw new Error('expected a SpecError');
}
