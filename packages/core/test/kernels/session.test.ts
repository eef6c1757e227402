import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveThreads } from '../../src/kernels/session.js';

describe('resolveThreads', () => {
  const saved = process.env.GRIDFOLD_THREADS;
  afterEach(() => {
    if (saved === undefined) delete process.env.GRIDFOLD_THREADS;
    else process.env.GRIDFOLD_THREADS = saved;
  });

  it('prefers the option, then GRIDFOLD_THREADS, then every core', () => {
    process.env.GRIDFOLD_THREADS = '1';
    expect(resolveThreads({ threads: 2 })).toBe(2);
    expect(resolveThreads()).toBe(1);
    delete process.env.GRIDFOLD_THREADS;
    expect(resolveThreads()).toBe(availableParallelism());
  });

  it('rejects values that are not positive integers', () => {
    process.env.GRIDFOLD_THREADS = 'two';
    expect(() => resolveThreads()).toThrow('GRIDFOLD_THREADS must be an integer >= 1, got "two"');
    expect(() => resolveThreads({ threads: 0 })).toThrow('threads must be an integer >= 1, got 0');
  });
});
