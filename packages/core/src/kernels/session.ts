import * as ort from 'onnxruntime-node';
import { kernelThreads } from './kernel-settings.js';
import { encodeModel, type GraphSpec } from './onnx-graph.js';

/** Options shared by every kernel call. */
export interface KernelOptions {
  /**
   * Threads onnxruntime may use inside one operator. Workers running side by side should
   * split the cores between them rather than each taking all of them.
   * @defaultValue the process's kernel settings (`configureKernels`), else every core
   */
  threads?: number;
  /**
   * Whether onnxruntime's intra-op threads spin while waiting for work. Spinning shortens
   * the wait on an idle machine; on a busy one a spinning thread holds a core the other
   * threads of the same operator need (MLP step: median 26 ms spinning vs 17 ms not, at load 15).
   * @defaultValue true (onnxruntime's default)
   */
  spinning?: boolean;
}

/**
 * Thread count for a kernel call: the option, else the process's kernel settings, else every
 * core. (onnxruntime-node's own default, 0, ran GEMMs on one thread; rates in
 * bench/RESULTS.md, "kNN kernel notes".)
 */
export function resolveThreads(options?: KernelOptions): number {
  if (options?.threads !== undefined) {
    if (!Number.isInteger(options.threads) || options.threads < 1) {
      throw new RangeError(`threads must be an integer >= 1, got ${options.threads}`);
    }
    return options.threads;
  }
  return kernelThreads();
}

const sessions = new Map<string, Promise<ort.InferenceSession>>();

/**
 * The process-wide session for a graph, built on first use. `key` must identify the graph
 * (and `build` must always produce the same graph for it); the thread count is part of the
 * cache key because onnxruntime fixes it at session creation.
 */
export function cachedSession(key: string, build: () => GraphSpec, options?: KernelOptions): Promise<ort.InferenceSession> {
  const threads = resolveThreads(options);
  const spinning = options?.spinning ?? true;
  const fullKey = `${key}|threads=${threads}|spinning=${spinning}`;
  let session = sessions.get(fullKey);
  if (!session) {
    session = ort.InferenceSession.create(encodeModel(build()), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // The arena keeps each session's largest intermediate buffers for reuse. Without it
      // every run's buffers were fresh mmaps zeroed by the kernel, and kNN searches spent
      // much of their CPU in page faults. The price is memory held per session (kernels chunk
      // their work, so it is bounded). Figures and commands: bench/RESULTS.md, "kNN kernel notes".
      enableCpuMemArena: true,
      ...(spinning ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
    });
    session.catch(() => sessions.delete(fullKey));
    sessions.set(fullKey, session);
  }
  return session;
}

/** Releases every cached session (for tests and for workers shutting down). Idempotent. */
export async function releaseSessions(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  await Promise.all(all.map(async (s) => (await s.catch(() => undefined))?.release()));
}

export { ort };
