import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeSandboxConfig, readSandboxConfig, SANDBOX_CONFIG_VAR, type SandboxConfig } from '../src/sandbox-config.js';

describe('sandbox config', () => {
  it('hands a worker\'s settings to its sandboxed processor unchanged', () => {
    const config: SandboxConfig = {
      redisUrl: 'redis://10.0.0.5:6380/1',
      dataDir: resolve('/srv/data'),
      cacheMax: 50,
      cacheMaxBytes: 1_048_576,
      threads: 2,
      refitThreads: 8,
      workerId: 'host-a',
      tfjsBackend: 'wasm',
      logFormat: 'pretty',
      logLevel: 'debug',
      artifactCacheDir: resolve('/var/cache/gridfold'),
      artifactCacheMaxBytes: 1_000_000,
      allowPlugins: false,
    };
    expect(readSandboxConfig({ [SANDBOX_CONFIG_VAR]: encodeSandboxConfig(config) })).toEqual(config);
  });

  it('gives the defaults for what the worker left out, and reads no other variable', () => {
    const env = { [SANDBOX_CONFIG_VAR]: encodeSandboxConfig({ redisUrl: 'redis://h:1' }), GRIDFOLD_THREADS: '6', REDIS_URL: 'redis://other:2' };
    expect(readSandboxConfig(env)).toMatchObject({ redisUrl: 'redis://h:1', threads: 1, cacheMax: 200_000, cacheMaxBytes: 268_435_456, dataDir: resolve('data'), logFormat: 'json', logLevel: 'info' });
  });

  it('names the variable and the value when the settings are missing or wrong', () => {
    expect(() => readSandboxConfig({})).toThrow('GRIDFOLD_SANDBOX_CONFIG is not set: sandboxed processors are started by createWorker, which sets it');
    expect(() => readSandboxConfig({ [SANDBOX_CONFIG_VAR]: '{"GRIDFOLD_THREADS": 2}' })).toThrow(
      'GRIDFOLD_SANDBOX_CONFIG must be a JSON object of variable names to strings, got "{\\"GRIDFOLD_THREADS\\": 2}"',
    );
    expect(() => readSandboxConfig({ [SANDBOX_CONFIG_VAR]: '{"GRIDFOLD_THREADS": "0"}' })).toThrow(
      'GRIDFOLD_SANDBOX_CONFIG: GRIDFOLD_THREADS must be an integer >= 1 (threads), got "0"',
    );
  });
});
