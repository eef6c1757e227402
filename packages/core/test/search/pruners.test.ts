import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { shouldPrune, type PrunerSpec, type PrunerState, type PrunerTrial } from '../../src/search/pruners.js';

/**
 * Optuna 3.1's pruners replayed: fixtures/make_pruner_fixtures.py ran each pruner on made-up
 * learning curves (24 trials one after another, 20 steps, maximize; one NaN report) and recorded
 * the step at which each trial was pruned. The same curves, fed here report by report, must be
 * pruned at the same steps.
 */
interface Case {
  name: string;
  settings: PrunerSpec;
  curves: Array<Array<number | null>>;
  pruned_at: Array<number | null>;
}
const fixture = JSON.parse(readFileSync(new URL('../../../../fixtures/pruners/decisions.json', import.meta.url), 'utf8')) as { study_name: string; cases: Case[] };

function replay(c: Case): Array<number | null> {
  const trials: Array<PrunerTrial & { values: Map<number, number>; rungs: number[] }> = [];
  const state: PrunerState = { studyName: fixture.study_name };
  return c.curves.map((curve, number) => {
    const trial = { number, state: 'running' as PrunerTrial['state'], values: new Map<number, number>(), lastStep: undefined as number | undefined, rungs: [] as number[] };
    trials.push(trial);
    for (const [step, v] of curve.entries()) {
      trial.values.set(step, v ?? NaN);
      trial.lastStep = step;
      const decision = shouldPrune(c.settings, trial, trials, state);
      if (decision.rungs) trial.rungs = decision.rungs;
      if (decision.minResource !== undefined) state.minResource = decision.minResource;
      if (decision.maxResource !== undefined) state.maxResource = decision.maxResource;
      if (decision.prune) {
        trial.state = 'pruned';
        return step;
      }
    }
    trial.state = 'complete';
    return null;
  });
}

describe('pruners with Optuna 3.1\'s semantics', () => {
  for (const c of fixture.cases) {
    it(`${c.name}: prunes the same trials at the same steps as Optuna`, () => {
      expect(replay(c)).toEqual(c.pruned_at);
    });
  }

  it('none never prunes', () => {
    const trial: PrunerTrial = { state: 'running', values: new Map([[0, NaN]]), lastStep: 0 };
    expect(shouldPrune({ kind: 'none' }, trial, [trial]).prune).toBe(false);
  });
});
