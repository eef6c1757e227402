import { ConfigError, configEnv, loadConfig, resolveLogFormat, type Env, type GridfoldConfig } from '@gridfold/core';

/**
 * The one environment variable a worker sets for its sandboxed processors: its settings as a
 * JSON object of gridfold variables (`{"REDIS_URL": "...", "GRIDFOLD_THREADS": "1", ...}`),
 * checked in the child by the same {@link loadConfig}. The child reads nothing else from its
 * environment, so it follows the worker it belongs to, not whatever environment it inherited.
 */
export const SANDBOX_CONFIG_VAR = 'GRIDFOLD_SANDBOX_CONFIG';

/** What a sandboxed processor takes from its worker. */
export interface SandboxConfig
  extends Pick<GridfoldConfig, 'redisUrl' | 'dataDir' | 'cacheMax' | 'cacheMaxBytes' | 'refitThreads' | 'workerId' | 'tfjsBackend' | 'logLevel' | 'artifactCacheDir' | 'artifactCacheMaxBytes' | 'allowPlugins'> {
  /** Native threads for fit tasks, aggregates and halving steps. */
  threads: number;
  /** Decided by the worker: the child's stderr is a pipe to the worker's, never a terminal. */
  logFormat: 'pretty' | 'json';
}

/**
 * The value of {@link SANDBOX_CONFIG_VAR} that hands `config` to a sandboxed processor; what
 * is left out takes its default there (as {@link loadConfig} gives it).
 */
export function encodeSandboxConfig(config: Partial<SandboxConfig> & Pick<SandboxConfig, 'redisUrl'>): string {
  return JSON.stringify(configEnv(config));
}

/**
 * The settings a sandboxed processor's worker gave it, from its environment.
 * @throws ConfigError when {@link SANDBOX_CONFIG_VAR} is missing, not a JSON object of strings, or holds a value not allowed.
 */
export function readSandboxConfig(env: Env): SandboxConfig {
  const text = env[SANDBOX_CONFIG_VAR];
  if (!text) throw new ConfigError(`${SANDBOX_CONFIG_VAR} is not set: sandboxed processors are started by createWorker, which sets it`);
  let vars: unknown;
  try {
    vars = JSON.parse(text);
  } catch {
    vars = undefined;
  }
  if (typeof vars !== 'object' || vars === null || Array.isArray(vars) || !Object.values(vars).every((v) => typeof v === 'string')) {
    throw new ConfigError(`${SANDBOX_CONFIG_VAR} must be a JSON object of variable names to strings, got ${JSON.stringify(text)}`);
  }
  let config: GridfoldConfig;
  try {
    config = loadConfig(vars as Env);
  } catch (err) {
    throw new ConfigError(`${SANDBOX_CONFIG_VAR}: ${(err as Error).message}`);
  }
  const { redisUrl, dataDir, cacheMax, cacheMaxBytes, refitThreads, workerId, tfjsBackend, logLevel, artifactCacheDir, artifactCacheMaxBytes, allowPlugins } = config;
  const logFormat = resolveLogFormat(config.logFormat, false);
  return { redisUrl, dataDir, cacheMax, cacheMaxBytes, threads: config.threads ?? 1, refitThreads, workerId, tfjsBackend, logFormat, logLevel, artifactCacheDir, artifactCacheMaxBytes, allowPlugins };
}
