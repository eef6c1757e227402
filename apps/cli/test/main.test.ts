import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/gridfold.js', import.meta.url));

describe('gridfold', () => {
  it('refuses to start with a bad setting: one line naming each variable, its value and what is allowed', () => {
    const run = spawnSync(process.execPath, [BIN, 'worker'], {
      env: { ...process.env, GRIDFOLD_THREADS: 'abc', GRIDFOLD_LOCK_MS: '-1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('gridfold: GRIDFOLD_THREADS must be an integer >= 1 (threads), got "abc"; GRIDFOLD_LOCK_MS must be an integer >= 1 (milliseconds), got "-1"\n');
  });
});
