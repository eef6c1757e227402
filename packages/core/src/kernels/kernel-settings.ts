import { availableParallelism } from 'node:os';

/** The TensorFlow.js backends gridfold can run on, fastest first. */
export const TFJS_BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
/** `tensorflow` (libtensorflow through `@tensorflow/tfjs-node`), `wasm` (XNNPACK, SIMD) or `cpu` (plain JS). */
export type TfjsBackendName = (typeof TFJS_BACKENDS)[number];

/**
 * How this process's native kernels run. The process's entry point sets them (a CLI command
 * from its config; a worker's sandboxed processor before each job, by the job's kind);
 * onnxruntime sessions, the forest's tree pool and TensorFlow.js read them.
 */
export interface KernelSettings {
  /**
   * Threads one kernel call may use (onnxruntime's intra-op threads; trees grown at once; a
   * dense multiclass SGD's one-vs-rest problems fitted at once).
   * Processes running side by side should split the cores rather than each take all of them.
   * @defaultValue every core (`os.availableParallelism()`)
   */
  threads?: number;
  /**
   * The TensorFlow.js backend to use, instead of the fastest that loads. Read once, when
   * TensorFlow.js first loads in the process.
   * @defaultValue the first of {@link TFJS_BACKENDS} that loads
   */
  tfjsBackend?: TfjsBackendName;
}

let current: Readonly<KernelSettings> = {};

/**
 * Replaces this process's kernel settings (what is left out goes back to its default).
 * @throws RangeError naming a value that is not allowed.
 */
export function configureKernels(settings: KernelSettings): void {
  const { threads, tfjsBackend } = settings;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new RangeError(`threads must be an integer >= 1, got ${threads}`);
  }
  if (tfjsBackend !== undefined && !TFJS_BACKENDS.includes(tfjsBackend)) {
    throw new RangeError(`tfjsBackend must be one of ${TFJS_BACKENDS.map((b) => JSON.stringify(b)).join(', ')}, got ${JSON.stringify(tfjsBackend)}`);
  }
  current = { threads, tfjsBackend };
}

/** This process's kernel settings, as last set by {@link configureKernels}. */
export function kernelSettings(): Readonly<KernelSettings> {
  return current;
}

/** Threads for a kernel call: the configured count, else every core. */
export function kernelThreads(): number {
  return current.threads ?? availableParallelism();
}
