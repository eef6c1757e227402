import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The command as a user runs it: `node apps/cli/bin/gridfold.js`. */
export const BIN = fileURLToPath(new URL('../../bin/gridfold.js', import.meta.url));

/**
 * Runs `gridfold ...args` in a child process with `env` over this process's environment;
 * returns its exit code and output. The kill after 60 s only bounds a regression.
 */
export async function runGridfold(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
