import { configureKernels, loadConfig, type GridfoldConfig } from '../packages/core/src/index.js';

/**
 * Reads the config once, as the `gridfold` command does, and sets this process's kernels
 * from it (`GRIDFOLD_THREADS`, `GRIDFOLD_TFJS_BACKEND`): a bench that runs core in-process is
 * an entry point too.
 */
export function configureBench(): GridfoldConfig {
  const config = loadConfig(process.env);
  configureKernels({ threads: config.threads, tfjsBackend: config.tfjsBackend });
  return config;
}
