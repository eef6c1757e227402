import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { configureKernels } from '../../src/kernels/kernel-settings.js';
import { resolveThreads } from '../../src/kernels/session.js';

describe('resolveThreads', () => {
  afterEach(() => configureKernels({}));

  it('prefers the option, then the kernel settings, then every core', () => {
    configureKernels({ threads: 1 });
    expect(resolveThreads({ threads: 2 })).toBe(2);
    expect(resolveThreads()).toBe(1);
    configureKernels({});
    expect(resolveThreads()).toBe(availableParallelism());
  });

  it('rejects an option that is not a positive integer', () => {
    expect(() => resolveThreads({ threads: 0 })).toThrow('threads must be an integer >= 1, got 0');
  });
});
