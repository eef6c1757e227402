"""Optuna 3.1 driving scikit-learn's MLPClassifier for bench/study-mlp.ts (issue 15, objective 3).

Reads one JSON object on stdin:
  {"csv": path (pixels / 255 and a "label" column, written by study-mlp.ts), "space": {...gridfold
   param_space}, "fixed": {...MLPClassifier params}, "epochs": n, "mode": "grid" | "study" | "propose",
   grid:    "params": [ {...}, ... ]  -> one JSON line: per cell its mean cv accuracy after each epoch
   study:   "seeds": [...], "trials": n, "samplers": ["tpe", "random"], "pruner": {SuccessiveHalvingPruner's
            arguments, e.g. "min_resource": 4; Optuna's defaults when empty}
            -> one JSON line per (sampler, seed) as it finishes: per trial its value (null when
               pruned), the epochs it spent, its state, [step, value] of the report it was
               pruned at (else null) and its params; seconds
   propose: "history": [{params, value}], "sizes": [...], "repeats": n
            -> median ms of one TPESampler proposal after each size of finished trials}
A trial is 3-fold StratifiedKFold cross-validation (as gridfold's `cv: 3`) of
MLPClassifier(**fixed, **params): the three folds' networks are trained one epoch at a time with
partial_fit (one epoch of Adam over shuffled mini-batches, as fit's loop without its stopping
check, the same draws as fit with a RandomState object seeded by `random_state`: gridfold's side sets n_iter_no_change = max_iter so that it never stops early either), and
after each epoch the mean validation accuracy of the three is reported to the trial
(trial.report / should_prune with SuccessiveHalvingPruner()): the usual way to prune a cross-
validated Optuna objective. Epochs spent count each fold's epochs (3 per step).
"""
import json
import sys
import time
import warnings

import numpy as np
import optuna
from optuna_space import distributions, proposal_ms, suggest_params
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore", category=ConvergenceWarning)

cfg = json.loads(sys.stdin.read())
space = cfg["space"]
fixed = cfg["fixed"]
EPOCHS = cfg["epochs"]
df = pd.read_csv(cfg["csv"])
y = df.pop("label").to_numpy()
X = df.to_numpy(dtype=np.float64)
CLASSES = np.unique(y)
FOLDS = list(StratifiedKFold(n_splits=3).split(X, y))


def cv_epochs(params, on_epoch=None):
    """Trains the three folds' networks in lockstep; after each epoch calls on_epoch(epoch, mean
    accuracy), which returns False to stop. Returns (mean accuracy per epoch, epochs spent)."""
    # A RandomState object, not the int: partial_fit re-seeds an int on every call (the same
    # shuffle each epoch); one generator per network draws the initial weights and then each
    # epoch's shuffle in turn, as fit(random_state=int) does.
    seed = fixed.get("random_state", 0)
    nets = [MLPClassifier(**{**fixed, "random_state": np.random.RandomState(seed)}, **params) for _ in FOLDS]
    curve = []
    for epoch in range(1, EPOCHS + 1):
        scores = []
        for net, (tr, va) in zip(nets, FOLDS):
            net.partial_fit(X[tr], y[tr], classes=CLASSES)
            scores.append(net.score(X[va], y[va]))
        curve.append(float(np.mean(scores)))
        if on_epoch is not None and on_epoch(epoch, curve[-1]) is False:
            break
    return curve, 3 * len(curve)


DISTS = distributions(space)


def suggest(trial):
    return suggest_params(trial, DISTS)


mode = cfg["mode"]
if mode == "grid":
    out = []
    for p in cfg["params"]:
        t0 = time.perf_counter()
        curve, epochs = cv_epochs(p)
        out.append({"params": p, "curve": curve, "epochs": epochs, "s": time.perf_counter() - t0})
    print(json.dumps(out), flush=True)
elif mode == "study":
    for seed in cfg["seeds"]:
        for name in cfg["samplers"]:
            sampler = optuna.samplers.TPESampler(seed=seed) if name == "tpe" else optuna.samplers.RandomSampler(seed=seed)
            study = optuna.create_study(direction="maximize", sampler=sampler, pruner=optuna.pruners.SuccessiveHalvingPruner(**cfg.get("pruner", {})))
            epochs = []

            def objective(trial):
                params = suggest(trial)

                def on_epoch(epoch, value):
                    trial.report(value, epoch)
                    return not trial.should_prune()

                curve, spent = cv_epochs(params, on_epoch)
                epochs.append(spent)
                if len(curve) < EPOCHS:
                    raise optuna.TrialPruned()
                return curve[-1]

            t0 = time.perf_counter()
            study.optimize(objective, n_trials=cfg["trials"])
            out = {
                "sampler": name,
                "seed": seed,
                # Optuna 3.1 stores a pruned trial's last report as its value: only complete trials have one here.
                "values": [t.value if t.state == optuna.trial.TrialState.COMPLETE else None for t in study.trials],
                "epochs": epochs,
                "states": [t.state.name.lower() for t in study.trials],
                "pruned": [[max(t.intermediate_values), t.intermediate_values[max(t.intermediate_values)]] if t.state == optuna.trial.TrialState.PRUNED else None for t in study.trials],
                "params": [t.params for t in study.trials],
                "s": time.perf_counter() - t0,
            }
            print(json.dumps(out), flush=True)
else:
    print(json.dumps(proposal_ms(DISTS, cfg["history"], cfg["sizes"], cfg["repeats"])))
