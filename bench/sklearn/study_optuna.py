"""Optuna 3.1 driving scikit-learn for bench/study-vs-optuna.ts (issue 15's side-by-side studies).

Reads one JSON object on stdin:
  {"objective": "svc-digits" | "sgd-mnist", "digits_csv": path, "space": {...gridfold param_space},
   "max_iter": n | null (sgd-mnist: SGDClassifier's max_iter; null keeps scikit-learn's 1000),
   "mode": "check" | "study" | "propose",
   check:   "params": [ {...}, ... ]           -> cross_val_score mean and folds for each
   study:   "seeds": [...], "trials": n, "samplers": ["tpe", "random"]
            -> one JSON line per (sampler, seed) as it finishes: values in trial order, seconds
   propose: "history": [{params, value}], "sizes": [...], "repeats": n
            -> median ms of one TPESampler proposal after each size of finished trials}
The objective is the same as gridfold's spec: SVC(C, gamma) on scikit-learn's 8x8 digits, or
Pipeline(StandardScaler, SGDClassifier(random_state=42)) on the first 10,000 MNIST training
images; cross_val_score cv=3 (StratifiedKFold), accuracy, maximized.
"""
import json
import os
import sys
import time
import warnings

import numpy as np
import optuna
from optuna_space import distributions, proposal_ms, suggest_params
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import SGDClassifier
from sklearn.svm import SVC

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures"))
optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore", category=ConvergenceWarning)

cfg = json.loads(sys.stdin.read())
objective = cfg["objective"]
space = cfg["space"]

if objective == "svc-digits":
    import pandas as pd

    df = pd.read_csv(cfg["digits_csv"])
    y = df.pop("label").to_numpy()
    X = df.to_numpy(dtype=np.float64)

    def make(p):
        return SVC(C=p["C"], gamma=p["gamma"])
else:
    from mnist_idx import load_mnist

    X_train, y_train, _, _ = load_mnist()
    X, y = X_train[:10000], y_train[:10000]

    fixed = {"random_state": 42} if cfg.get("max_iter") is None else {"random_state": 42, "max_iter": cfg["max_iter"]}

    def make(p):
        sgd = {k.split("__", 1)[1]: v for k, v in p.items()}
        return Pipeline([("standardscaler", StandardScaler()), ("sgdclassifier", SGDClassifier(**fixed, **sgd))])


def score(p):
    folds = cross_val_score(make(p), X, y, cv=3)
    return float(folds.mean()), folds.tolist()


DISTS = distributions(space)


def suggest(trial):
    return suggest_params(trial, DISTS)


mode = cfg["mode"]
if mode == "check":
    print(json.dumps([dict(zip(("mean", "folds"), score(p))) for p in cfg["params"]]))
elif mode == "study":
    for name in cfg["samplers"]:
        for seed in cfg["seeds"]:
            sampler = optuna.samplers.TPESampler(seed=seed) if name == "tpe" else optuna.samplers.RandomSampler(seed=seed)
            study = optuna.create_study(direction="maximize", sampler=sampler)
            t0 = time.perf_counter()
            study.optimize(lambda t: score(suggest(t))[0], n_trials=cfg["trials"])
            out = {"sampler": name, "seed": seed, "values": [t.value for t in study.trials], "params": [t.params for t in study.trials], "s": time.perf_counter() - t0}
            print(json.dumps(out), flush=True)
else:
    print(json.dumps(proposal_ms(DISTS, cfg["history"], cfg["sizes"], cfg["repeats"])))
