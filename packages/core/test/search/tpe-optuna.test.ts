import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Params } from '../../src/estimators/base.js';
import { RandomState } from '../../src/random/numpy-random-state.js';
import type { TpeTrial } from '../../src/search/tpe/observations.js';
import { numpyArgsort, numpyHeapArgsort } from '../../src/search/tpe/numpy-argsort.js';
import { erf, erfc, logGaussMass, logNdtr, truncnormPpf } from '../../src/search/tpe/truncnorm.js';
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
  argsort: Array<{ values: number[]; order: number[]; heapsort: number[] }>;
  truncnorm: { erf: number[][]; log_ndtr: number[][]; log_gauss_mass: number[][]; ppf: number[][] };
};

/** |got - want| within `rel` of want (or of 1 near 0). */
function close(got: number, want: number, rel: number, what: string): void {
  if (want === got) return;
  expect(Math.abs(got - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(want)));
}

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
    for (const { values, order, heapsort } of fixture.argsort) {
      expect(Array.from(numpyArgsort(values)), `${values.length} values`).toEqual(order);
      // Introsort's fallback past its depth limit, which ties-heavy inputs of this size do not reach.
      expect(Array.from(numpyHeapArgsort(values)), `${values.length} values, heapsort`).toEqual(heapsort);
    }
  });

  it('computes erf, erfc, log-CDF, log mass and the truncated quantile as Optuna 3.1 does, tails and both sides of 0', () => {
    const t = fixture.truncnorm;
    // Same fdlibm algorithm as glibc: equal but for exp's last bits.
    for (const [x, e, c] of t.erf) {
      close(erf(x), e, 1e-15, `erf(${x})`);
      expect(Math.abs(erfc(x) - c), `erfc(${x})`).toBeLessThanOrEqual(1e-15 * Math.abs(c));
    }
    for (const [x, y] of t.log_ndtr) close(logNdtr(x), y, 1e-14, `logNdtr(${x})`);
    for (const [a, b, y] of t.log_gauss_mass) close(logGaussMass(a, b), y, 1e-13, `logGaussMass(${a}, ${b})`);
    for (const [q, a, b, x] of t.ppf) close(truncnormPpf(q, a, b), x, 1e-12, `ppf(${q}, ${a}, ${b})`);
  });
});
