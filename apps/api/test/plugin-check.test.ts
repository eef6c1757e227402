import { afterAll, describe, expect, it } from 'vitest';
import { PluginChecker } from '../src/plugin-check.js';

// Real child processes (apps/api/src/plugin-check-child.js under tsx). The spec names no
// plugins: the check is then the spec's own check, which these tests only need to succeed.
const request = { spec: { name: 'x', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, cv: 3 }, maxCellFolds: 20_000, bundles: {} };

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

describe('PluginChecker', () => {
  const checker = new PluginChecker();
  afterAll(() => checker.close());

  it('checks in a child, then keeps one spare child loaded for the next check, which it then ends', async () => {
    expect(checker.sparePid).toBeUndefined();
    const first = await checker.check(request);
    expect(first).toMatchObject({ ok: true, groups: [[0]] });
    const spare = checker.sparePid!;
    expect(alive(spare)).toBe(true);
    expect(spare).not.toBe(first.pid);
    // The spare runs the next check and exits: no process checks two specs.
    expect(await checker.check(request)).toEqual({ ok: true, groups: [[0]], pid: spare });
    expect(await gone(spare)).toBe(true);
    expect(checker.sparePid).not.toBe(spare);
    expect(alive(checker.sparePid!)).toBe(true);
  });

  it('starts a fresh child when the spare died while it waited', async () => {
    const spare = checker.sparePid!;
    process.kill(spare, 'SIGKILL');
    expect(await gone(spare)).toBe(true);
    const reply = await checker.check(request);
    expect(reply).toMatchObject({ ok: true, groups: [[0]] });
    expect(reply.pid).not.toBe(spare);
  });

  it('kills the spare on close, and starts none after', async () => {
    const spare = checker.sparePid!;
    checker.close();
    expect(await gone(spare)).toBe(true);
    expect(checker.sparePid).toBeUndefined();
  });
});
