import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// An example's README shows the command to run it; the test runs that command as written
// (the real CLI, from the repo root), so the README cannot drift from what works.
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../apps/cli/bin/gridfold.js', import.meta.url));

/** The `npx gridfold ...` line of an example's README (after optional `NAME=value` settings), as environment and arguments. */
function readmeCommand(example: string): { env: Record<string, string>; args: string[] } {
  const readme = readFileSync(new URL(`../examples/${example}/README.md`, import.meta.url), 'utf8');
  const m = /^((?:[A-Z_][A-Z0-9_]*=\S+ )*)npx gridfold (.+)$/m.exec(readme);
  if (!m) throw new Error(`examples/${example}/README.md shows no "npx gridfold ..." command`);
  const env = Object.fromEntries(m[1].trim().split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  return { env, args: m[2].split(' ') };
}

/** Runs an example's README command with `--json` from the repo root; the result it printed. */
async function runReadme(example: string, timeout: number): Promise<any> {
  const { env, args } = readmeCommand(example);
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, ...args, '--json'], { cwd: ROOT, env: { ...process.env, ...env }, timeout });
  return JSON.parse(stdout);
}

describe('examples/', () => {
  it('csv-string-labels: the README command runs and the result names the classes', async () => {
    expect(readmeCommand('csv-string-labels').env).toEqual({});
    const r = await runReadme('csv-string-labels', 60_000);
    expect(r.status, r.error).toBe('completed');
    // The names of the fruit column, sorted; the first five test rows' names, read off fruit-test.csv.gz.
    expect(r.classes).toEqual(['apple', 'lemon', 'mandarin', 'orange']);
    expect(r.test_examples.map((e: { target: string }) => e.target)).toEqual(['apple', 'lemon', 'mandarin', 'lemon', 'orange']);
  });

  it('custom-estimator: the README command bundles the plugin, runs it, and gives scikit-learn\'s GaussianNB numbers', async () => {
    const r = await runReadme('custom-estimator', 60_000);
    expect(r.status, r.error).toBe('completed');
    // fixtures/make_custom_estimator_fixtures.py: GridSearchCV(GaussianNB()) on the same files.
    const expected = JSON.parse(readFileSync(new URL('../fixtures/custom-estimator/gaussian-nb-fruit.json', import.meta.url), 'utf8'));
    expect(r.cv_results.mean_test_score).toEqual(expected.mean_test_score);
    expect(r.best_params).toEqual(expected.best_params);
    expect(r.test).toEqual(expected.test);
    expect(r.tasks.total).toBe(4);
  });

  it('tfjs-objective: the README command trains the TF.js CNN on every (cell, fold), with a validation accuracy per epoch', async () => {
    const spec = JSON.parse(readFileSync(new URL('../examples/tfjs-objective/spec.json', import.meta.url), 'utf8'));
    const r = await runReadme('tfjs-objective', 240_000);
    expect(r.status, r.error).toBe('completed');
    expect(r.errors).toEqual([]);
    const cells: number = r.cv_results.params.length;
    const folds: number = spec.cv.n_splits;
    const epochs: number[] = Array.from({ length: spec.estimator.params.epochs }, (_, i) => i + 1);
    expect(cells).toBe(Object.values(spec.param_grid as Record<string, unknown[]>).reduce((n, v) => n * v.length, 1));
    // One curve per (cell, fold), steps 1..epochs, in (cell, fold) order.
    expect(r.curves.map((c: { cell: number; fold: number; steps: number[] }) => [c.cell, c.fold, c.steps])).toEqual(
      Array.from({ length: cells * folds }, (_, i) => [Math.floor(i / folds), i % folds, epochs]),
    );
    for (const c of r.curves as Array<{ cell: number; fold: number; values: number[] }>) {
      expect(c.values.every((v) => v >= 0 && v <= 1), `accuracies ${c.values}`).toBe(true);
      // The score a fold returns is its last epoch's reported accuracy.
      expect(r.cv_results[`split${c.fold}_test_score`][c.cell]).toBe(c.values.at(-1));
    }
    // Chance is 0.1 (ten digits) and a uniform guess's cross-entropy ln 10 = 2.303. THRESHOLD is
    // well under the lowest cell mean measured here (see the README) and far above chance.
    const THRESHOLD = 0.5;
    for (const s of r.cv_results.mean_test_score) expect(s).toBeGreaterThan(THRESHOLD);
    for (const l of r.cv_results.mean_test_loss) expect(l).toBeLessThan(Math.log(10));
  }, 300_000);
});
