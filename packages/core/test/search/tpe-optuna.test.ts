import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Params } from '../../src/estimators/base.js';
import { RandomState } from '../../src/random/numpy-random-state.js';
import type { TpeTrial } from '../../src/search/tpe/observations.js';
import { numpyArgsort } from '../../src/search/tpe/numpy-argsort.js';
import { TpeSampler } from '../../src/search/tpe/sampler.js';
import type { ParamSpace } from '../../src/search/tpe/space.js';

interface FixtureTrial {
  number: number;
  params: Params;
  running_at_ask: number[];
  subspace?: number;
  state: 'complete' | 'pruned' | 'failed';
  value?: number;
  intermediate?: Array<[number, number]>;
}
interface FixtureCase {
  space: ParamSpace;
  seed: number;
  direction: 'minimize' | 'maximize';
  constant_liar: boolean;
  trials: FixtureTrial[];
}

/** Optuna 3.1 TPESampler studies (ask / tell, seeded), written by fixtures/make_tpe_fixtures.py. */
const fixture = JSON.parse(readFileSync(new URL('../../../../fixtures/search/tpe_optuna.json', import.meta.url), 'utf8')) as {
  optuna: string;
  cases: Record<string, FixtureCase>;
  argsort: Array<{ values: number[]; order: number[] }>;
};

/** Replays a study: before each ask, the trials Optuna had (those still running at that ask as running), from generators carried along as Optuna's are. */
function replay(c: FixtureCase): Params[] {
  const sampler = new TpeSampler(c.space, { seed: c.seed, direction: c.direction, constantLiar: c.constant_liar });
  const rngs = { tpe: new RandomState(c.seed), random: new RandomState(c.seed) };
  return c.trials.map((t, j) => {
    const before: TpeTrial[] = c.trials.slice(0, j).map((p) => (t.running_at_ask.includes(p.number) ? { params: p.params, state: 'running' } : p));
    return sampler.proposeWith(before, rngs);
  });
}

describe('TpeSampler against Optuna 3.1', () => {
  it(`fixture made by Optuna ${fixture.optuna}`, () => expect(fixture.optuna).toBe('3.1.0'));
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(`proposes Optuna's params, trial for trial (${name})`, () => {
      const got = replay(c);
      got.forEach((g, j) => {
        const want = c.trials[j].params;
        expect(Object.keys(g).sort(), `trial ${j} names`).toEqual(Object.keys(want).sort());
        for (const [key, w] of Object.entries(want)) {
          // Floats go through exp / log / erf, whose last bits differ between V8 and glibc.
          if (typeof w === 'number' && !Number.isInteger(w)) expect(Math.abs((g[key] as number) - w), `trial ${j} ${key}: ${g[key]} vs ${w}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(w)));
          else expect(g[key], `trial ${j} ${key}`).toEqual(w);
        }
      });
    });
  }

  it("orders tied values as numpy 1.24's argsort does (introsort, not stable)", () => {
    expect(fixture.argsort.length).toBeGreaterThan(0);
    for (const { values, order } of fixture.argsort) expect(Array.from(numpyArgsort(values)), `${values.length} values`).toEqual(order);
  });
});
