import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// An example's README shows the command to run it; the test runs that command as written
// (the real CLI, from the repo root), so the README cannot drift from what works.
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../apps/cli/bin/gridfold.js', import.meta.url));

/** The `GRIDFOLD_DATA_DIR=... npx gridfold ...` line of an example's README, as environment and arguments. */
function readmeCommand(example: string): { env: Record<string, string>; args: string[] } {
  const readme = readFileSync(new URL(`../examples/${example}/README.md`, import.meta.url), 'utf8');
  const m = /^GRIDFOLD_DATA_DIR=(\S+) npx gridfold (.+)$/m.exec(readme);
  if (!m) throw new Error(`examples/${example}/README.md shows no "GRIDFOLD_DATA_DIR=... npx gridfold ..." command`);
  return { env: { GRIDFOLD_DATA_DIR: m[1] }, args: m[2].split(' ') };
}

describe('examples/', () => {
  it('csv-string-labels: the README command runs and the result names the classes', async () => {
    const { env, args } = readmeCommand('csv-string-labels');
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, ...args, '--json'], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 });
    const r = JSON.parse(stdout);
    expect(r.status, r.error).toBe('completed');
    // The names of the fruit column, sorted; the first five test rows' names, read off fruit-test.csv.gz.
    expect(r.classes).toEqual(['apple', 'lemon', 'mandarin', 'orange']);
    expect(r.test_examples.map((e: { target: string }) => e.target)).toEqual(['apple', 'lemon', 'mandarin', 'lemon', 'orange']);
  });
});
