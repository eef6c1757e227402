import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { configureKernels, kernelSettings, kernelThreads, type TfjsBackendName } from '../../src/kernels/kernel-settings.js';
import { forestThreads } from '../../src/estimators/tree/tree-pool.js';

describe('configureKernels', () => {
  afterEach(() => configureKernels({}));

  it('sets the threads that onnxruntime sessions and tree pools use, every core by default', () => {
    expect(kernelThreads()).toBe(availableParallelism());
    configureKernels({ threads: 3 });
    expect(kernelThreads()).toBe(3);
    expect(forestThreads()).toBe(3);
  });

  it('replaces every setting: what is left out goes back to its default', () => {
    configureKernels({ threads: 3, tfjsBackend: 'cpu' });
    expect(kernelSettings()).toEqual({ threads: 3, tfjsBackend: 'cpu' });
    configureKernels({ threads: 2 });
    expect(kernelSettings()).toEqual({ threads: 2, tfjsBackend: undefined });
    expect(kernelThreads()).toBe(2);
  });

  it('rejects values that are not allowed, naming them, and keeps the settings it had', () => {
    configureKernels({ threads: 2 });
    expect(() => configureKernels({ threads: 0 })).toThrow('threads must be an integer >= 1, got 0');
    expect(() => configureKernels({ threads: 1.5 })).toThrow('threads must be an integer >= 1, got 1.5');
    expect(() => configureKernels({ tfjsBackend: 'webgl' as TfjsBackendName })).toThrow('tfjsBackend must be one of "tensorflow", "wasm", "cpu", got "webgl"');
    expect(kernelThreads()).toBe(2);
  });
});
