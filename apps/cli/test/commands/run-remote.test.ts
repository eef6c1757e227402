import { describe, expect, it } from 'vitest';
import { submittedWork } from '../../src/commands/run-remote.js';

// What `gridfold run` says of a submission: its tasks, and the fits they run when those differ.
describe('submittedWork', () => {
  it('counts tasks alone when each runs one fit, or when the API does not say (a halving search, a study)', () => {
    expect(submittedWork(12, 12)).toBe('12 tasks');
    expect(submittedWork(1, 1)).toBe('1 task');
    expect(submittedWork(7)).toBe('7 tasks');
  });

  it('says the fits in the tasks when cells share a fit or run in batches', () => {
    expect(submittedWork(3, 12)).toBe('12 fits in 3 tasks');
    expect(submittedWork(1500, 3000)).toBe('3,000 fits in 1,500 tasks');
  });
});
