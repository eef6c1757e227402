import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TpeTrial } from '../packages/core/src/search/tpe/observations.js';
import { TpeSampler } from '../packages/core/src/search/tpe/sampler.js';
import { RandomState } from '../packages/core/src/random/numpy-random-state.js';
import type { ParamSpace } from '../packages/core/src/spec/param-space.js';

/**
 * Time of one TPE proposal after 100 and 1,000 finished trials, gridfold vs Optuna 3.1
 * (Debian's python3, same space, same finished trials, added to an in-memory study), in one run.
 * The space has one parameter of each kind the Parzen estimator treats differently: a float, a
 * log float, an int (scored by mass over its step cell), a categorical. Each figure is the
 * median of 30 proposals (gridfold after 10 warm-up ones), since the machine is shared.
 *   npx tsx bench/tpe-proposal.ts
 */
const run = promisify(execFile);
const SPACE: ParamSpace = { x: { float: [-10, 10] }, lr: { float: [1e-5, 1], log: true }, n: { int: [1, 100] }, c: ['a', 'b', 'c'] };
const SIZES = [100, 1000];
const REPEATS = 30;
const WARMUP = 10;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function history(n: number): TpeTrial[] {
  const rng = new RandomState(12345);
  return Array.from({ length: n }, () => {
    const params = { c: ['a', 'b', 'c'][rng.randint(0, 3)], lr: 10 ** (-5 + 5 * rng.randomSample()), n: 1 + rng.randint(0, 100), x: -10 + 20 * rng.randomSample() };
    return { params, state: 'complete' as const, value: ((params.x - 3) ** 2) / 10 + Math.abs(Math.log10(params.lr) + 3) + Math.abs(params.n - 40) / 30 + (params.c === 'b' ? 0 : 1) };
  });
}

/** Median ms of REPEATS proposals after WARMUP (JIT); the machine is shared, so the median, not the mean. */
function gridfoldMs(trials: TpeTrial[]): number {
  const sampler = new TpeSampler(SPACE, { seed: 1 });
  const times: number[] = [];
  for (let i = 0; i < WARMUP + REPEATS; i++) {
    // A different history length each time, so every proposal draws afresh.
    const history = trials.slice(0, trials.length - (i % 2));
    const t0 = performance.now();
    sampler.propose(history);
    if (i >= WARMUP) times.push(performance.now() - t0);
  }
  return median(times);
}

const PY = String.raw`
import json, sys, time, warnings
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
optuna.logging.set_verbosity(optuna.logging.WARNING)
trials = json.loads(sys.stdin.read())
repeats = int(sys.argv[1])
dists = {"c": CategoricalDistribution(["a", "b", "c"]), "lr": FloatDistribution(1e-5, 1, log=True), "n": IntDistribution(1, 100), "x": FloatDistribution(-10, 10)}
out = {}
for size in json.loads(sys.argv[2]):
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=1))
    study.add_trials([optuna.trial.create_trial(params=t["params"], distributions=dists, value=t["value"]) for t in trials[:size]])
    def ask():
        trial = study.ask()
        trial.suggest_categorical("c", ["a", "b", "c"]); trial.suggest_float("lr", 1e-5, 1, log=True)
        trial.suggest_int("n", 1, 100); trial.suggest_float("x", -10, 10)
        study.tell(trial, state=optuna.trial.TrialState.FAIL)  # failed: not learnt from, the history stays the same
    ask()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); ask(); times.append((time.perf_counter() - t0) * 1000)
    out[size] = sorted(times)[len(times) // 2]
print(json.dumps(out))
`;

async function optunaMs(trials: TpeTrial[]): Promise<Record<string, number>> {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const child = run('/usr/bin/python3', ['-c', PY, String(REPEATS), JSON.stringify(SIZES)], { env, maxBuffer: 16 * 1024 * 1024 });
  child.child.stdin!.end(JSON.stringify(trials));
  const { stdout } = await child;
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
}

const all = history(Math.max(...SIZES));
const optuna = await optunaMs(all);
console.log(`median of ${REPEATS} proposals, 4 parameters (float, log float, int, categorical)`);
console.log('| finished trials | gridfold ms / proposal | Optuna 3.1 ms / proposal | Optuna / gridfold |');
console.log('|---|---|---|---|');
for (const n of SIZES) {
  const ours = gridfoldMs(all.slice(0, n));
  console.log(`| ${n} | ${ours.toFixed(2)} | ${optuna[n].toFixed(2)} | ${(optuna[n] / ours).toFixed(2)}x |`);
}
