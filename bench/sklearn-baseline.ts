import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs a scikit-learn baseline script with Debian's python3 and returns its JSON line.
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for this command alone: on this machine
 * they pin an old kernel that slows a current numpy (see the env notes).
 */
export async function sklearnBaseline<T>(script: string, args: string[] = []): Promise<T> {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const path = fileURLToPath(new URL(`./sklearn/${script}`, import.meta.url));
  const { stdout } = await run('/usr/bin/python3', [path, ...args], { env, maxBuffer: 64 * 1024 * 1024 });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

/** `a / b` to two decimals, as printed in RESULTS.md. */
export function ratio(slow: number, fast: number): string {
  return `${(slow / fast).toFixed(2)}x`;
}
