import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from './helpers/run-gridfold.js';

// The real command, as a user runs it: `node apps/cli/bin/gridfold.js ...`. Every case here
// fails before anything touches Redis or the network (GRIDFOLD_API points at a closed port in
// case one did not).
const dir = mkdtempSync(join(tmpdir(), 'gridfold-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function gridfold(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return gridfoldWith({}, ...args);
}

async function gridfoldWith(vars: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const env = { ...process.env, GRIDFOLD_API: 'http://127.0.0.1:1', GRIDFOLD_TOKEN: '', GRIDFOLD_INSECURE: '', ...vars };
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd: dir, env, timeout: 30_000, killSignal: 'SIGKILL' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('gridfold (bin/gridfold.js → src/main.ts)', () => {
  it('reports a spec path that does not exist as one line on stderr and exits 1', async () => {
    const missing = join(dir, 'no-such-spec.json');
    expect(await gridfold('run', missing)).toEqual({ code: 1, stdout: '', stderr: `gridfold: cannot read spec ${missing}: ENOENT\n` });
  });

  it('reports an invalid spec as one line naming every bad field', async () => {
    writeFileSync(join(dir, 'invalid.json'), '{"name": "x"}');
    const res = await gridfold('run', '--local', join(dir, 'invalid.json'));
    // The messages are the spec schema's (zod) for the two missing required fields.
    expect(res).toEqual({
      code: 1,
      stdout: '',
      stderr: 'gridfold: invalid experiment spec: dataset: Invalid input: expected object, received undefined; estimator: Invalid input: expected object, received undefined\n',
    });
  });

  it('answers a missing argument or an unknown command with commander\'s error and the usage, exit 1', async () => {
    const missing = await gridfold('run');
    expect(missing.code).toBe(1);
    expect(missing.stderr.split('\n').slice(0, 3)).toEqual(["error: missing required argument 'spec'", '', 'Usage: gridfold run [options] <spec>']);
    const unknown = await gridfold('frobnicate');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.split('\n').slice(0, 3)).toEqual(["error: unknown command 'frobnicate'", '', 'Usage: gridfold [options] [command]']);
  });

  it('prints help on stdout and exits 0', async () => {
    const help = await gridfold('--help');
    expect(help.code).toBe(0);
    expect(help.stdout.split('\n')[0]).toBe('Usage: gridfold [options] [command]');
    for (const command of ['run', 'serve', 'worker', 'status', 'list', 'start']) expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('refuses to serve beyond loopback without a token: one line, exit 1, before anything starts', async () => {
    const refusal =
      "gridfold: refusing to listen on 0.0.0.0 without a token: anyone who reaches it can read every experiment, run code on the workers and use Bull Board's actions. Set GRIDFOLD_TOKEN, listen on 127.0.0.1, or pass --insecure (GRIDFOLD_INSECURE=true) to accept that\n";
    // It used to warn and serve: anyone on the network could read, submit and use Bull Board.
    expect(await gridfold('serve', '--workers', '0', '--host', '0.0.0.0', '--port', '0')).toEqual({ code: 1, stdout: '', stderr: refusal });
    expect(await gridfoldWith({ HOST: '0.0.0.0' }, 'start', '--workers', '0', '--port', '0')).toEqual({ code: 1, stdout: '', stderr: refusal });
  });

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
