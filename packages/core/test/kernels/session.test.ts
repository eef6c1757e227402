import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { configureKernels } from '../../src/kernels/kernel-settings.js';
import { ElementType } from '../../src/kernels/onnx-graph.js';
import { cachedSession, ort, releaseSessions, resolveThreads } from '../../src/kernels/session.js';

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

describe('cachedSession', () => {
  afterEach(() => releaseSessions());

  it('keeps a session without spinning threads apart from the default one, and both run', async () => {
    const graph = () => ({
      name: 'negate',
      inputs: [{ name: 'x', type: ElementType.float, shape: [2] }],
      outputs: [{ name: 'y', type: ElementType.float, shape: [2] }],
      nodes: [{ op: 'Neg', inputs: ['x'], outputs: ['y'] }],
    });
    const spinning = await cachedSession('test_negate', graph, { threads: 2 });
    const quiet = await cachedSession('test_negate', graph, { threads: 2, spinning: false });
    expect(quiet).not.toBe(spinning);
    expect(await cachedSession('test_negate', graph, { threads: 2, spinning: false })).toBe(quiet);
    for (const session of [spinning, quiet]) {
      const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, -2), [2]) });
      expect(Array.from(y.data as Float32Array)).toEqual([-1, 2]);
    }
  });
});
