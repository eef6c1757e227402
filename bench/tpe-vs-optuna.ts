import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Params } from '../packages/core/src/estimators/base.js';
import { RandomState } from '../packages/core/src/random/numpy-random-state.js';
import type { TpeTrial } from '../packages/core/src/search/tpe/observations.js';
import { TpeSampler, type TpeOptions } from '../packages/core/src/search/tpe/sampler.js';
import type { ParamSpace } from '../packages/core/src/spec/param-space.js';

/**
 * gridfold's TPE beside Optuna 3.1's on a cheap analytic objective: Branin on x1 in [-5, 10],
 * x2 in [0, 15], plus (log10(lr) + 2.5)^2 with lr log-uniform on [1e-5, 1]; minimum 0.397887.
 * Mean best-so-far after 20 / 40 / 60 trials over seeds 0-9, one worker, for:
 *  - gridfold TPE, as it runs (propose(): a generator per proposal from the seed)
 *  - the same with correctedDensity (the -log(sigma) term Optuna added after 3.1)
 *  - gridfold TPE with Optuna's draw order (proposeWith() and two RandomState(seed) carried
 *    along, as Optuna's TPESampler keeps them): should equal Optuna's column
 *  - Optuna 3.1 TPESampler(seed), Debian's python3, same objective and parameter order
 *  - random search (gridfold's sampler never leaving its startup phase)
 *   npx tsx bench/tpe-vs-optuna.ts
 */
const run = promisify(execFile);
const SEEDS = Array.from({ length: 10 }, (_, i) => i);
const CHECKPOINTS = [20, 40, 60];
const N = Math.max(...CHECKPOINTS);
const SPACE: ParamSpace = { lr: { float: [1e-5, 1], log: true }, x1: { float: [-5, 10] }, x2: { float: [0, 15] } };

function objective(p: Params): number {
  const [x1, x2, lr] = [p.x1 as number, p.x2 as number, p.lr as number];
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const branin = (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
  return branin + (Math.log10(lr) + 2.5) ** 2;
}

function bestSoFar(values: number[]): number[] {
  return CHECKPOINTS.map((n) => Math.min(...values.slice(0, n)));
}

function gridfold(seed: number, options: TpeOptions, optunaOrder = false): number[] {
  const sampler = new TpeSampler(SPACE, { ...options, seed });
  const rngs = { tpe: new RandomState(seed), random: new RandomState(seed) };
  const trials: TpeTrial[] = [];
  for (let i = 0; i < N; i++) {
    const params = optunaOrder ? sampler.proposeWith(trials, rngs) : sampler.propose(trials);
    trials.push({ params, state: 'complete', value: objective(params) });
  }
  return bestSoFar(trials.map((t) => t.value!));
}

const PY = String.raw`
import json, math, sys
import optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
seeds, checkpoints = json.loads(sys.argv[1]), json.loads(sys.argv[2])
def objective(t):
    lr = t.suggest_float("lr", 1e-5, 1, log=True); x1 = t.suggest_float("x1", -5, 10); x2 = t.suggest_float("x2", 0, 15)
    b, c = 5.1 / (4 * math.pi ** 2), 5 / math.pi
    return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10 + (math.log10(lr) + 2.5) ** 2
out = []
for seed in seeds:
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=max(checkpoints))
    values = [t.value for t in study.trials]
    out.append([min(values[:n]) for n in checkpoints])
print(json.dumps(out))
`;

async function optuna(): Promise<number[][]> {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const { stdout } = await run('/usr/bin/python3', ['-c', PY, JSON.stringify(SEEDS), JSON.stringify(CHECKPOINTS)], { env, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as number[][];
}

const mean = (rows: number[][], k: number) => rows.reduce((s, r) => s + r[k], 0) / rows.length;
const t0 = performance.now();
const rows: Array<[string, number[][]]> = [
  ['gridfold TPE (propose)', SEEDS.map((s) => gridfold(s, {}))],
  ['gridfold TPE, correctedDensity', SEEDS.map((s) => gridfold(s, { correctedDensity: true }))],
  ["gridfold TPE, Optuna's draw order (proposeWith)", SEEDS.map((s) => gridfold(s, {}, true))],
  ['Optuna 3.1 TPESampler', await optuna()],
  ['random search', SEEDS.map((s) => gridfold(s, { nStartupTrials: 1e9 }))],
];
console.log(`Branin(x1, x2) + (log10(lr) + 2.5)^2, minimum 0.397887; mean best-so-far over seeds ${SEEDS[0]}-${SEEDS.at(-1)}`);
console.log(`| sampler | ${CHECKPOINTS.map((n) => `${n} trials`).join(' | ')} |`);
console.log(`|---|${CHECKPOINTS.map(() => '---').join('|')}|`);
for (const [name, r] of rows) console.log(`| ${name} | ${CHECKPOINTS.map((_, k) => mean(r, k).toFixed(3)).join(' | ')} |`);
const same = rows[2][1].every((r, i) => r.every((v, k) => Math.abs(v - rows[3][1][i][k]) <= 1e-9 * Math.max(1, Math.abs(v))));
console.log(`gridfold with Optuna's draw order equals Optuna, seed by seed: ${same}; ${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
