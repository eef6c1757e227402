"""A gridfold param_space as Optuna 3.1 distributions, and the proposal timing of the study benches
(study_optuna.py, study_mlp_optuna.py)."""
import time

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution


def distribution(spec):
    if isinstance(spec, list):
        return CategoricalDistribution(spec)
    if "float" in spec:
        return FloatDistribution(spec["float"][0], spec["float"][1], log=spec.get("log", False), step=spec.get("step"))
    return IntDistribution(spec["int"][0], spec["int"][1], log=spec.get("log", False), step=spec.get("step", 1))


def distributions(space):
    return {name: distribution(s) for name, s in space.items()}


def suggest_params(trial, dists):
    out = {}
    for name, d in dists.items():
        if isinstance(d, CategoricalDistribution):
            out[name] = trial.suggest_categorical(name, d.choices)
        elif isinstance(d, FloatDistribution):
            out[name] = trial.suggest_float(name, d.low, d.high, log=d.log, step=d.step)
        else:
            out[name] = trial.suggest_int(name, d.low, d.high, log=d.log, step=d.step)
    return out


def proposal_ms(dists, history, sizes, repeats):
    """Median ms of one TPESampler proposal after each size of finished trials of `history`."""
    out = {}
    for size in sizes:
        study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=1))
        study.add_trials([optuna.trial.create_trial(params=t["params"], distributions=dists, value=t["value"]) for t in history[:size]])

        def ask():
            trial = study.ask()
            suggest_params(trial, dists)
            study.tell(trial, state=optuna.trial.TrialState.FAIL)  # not learnt from: the history stays the same

        ask()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            ask()
            times.append((time.perf_counter() - t0) * 1000)
        out[size] = sorted(times)[len(times) // 2]
    return out
