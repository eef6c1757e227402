"""scikit-learn baselines for the bench suite, one per gridfold spec, each timed the way
scikit-learn users run them (n_jobs=-1 on this machine's cores). Usage:
    python3 spec_cv.py <case>
Prints one JSON line: {"seconds": wall time of the timed part, ...numbers to compare}."""
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures"))
from mnist_idx import load_mnist  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import cross_val_predict, cross_val_score  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

X_train, y_train, X_test, y_test = load_mnist()
case = sys.argv[1]
t0 = time.perf_counter()
if case == "sgd-5":
    scores = cross_val_score(SGDClassifier(random_state=42), X_train, y_train == 5, cv=3, n_jobs=-1)
    out = {"scores": scores.tolist()}
elif case == "sgd-multiclass":
    scores = cross_val_score(SGDClassifier(random_state=42), X_train, y_train, cv=3, n_jobs=-1)
    out = {"scores": scores.tolist()}
elif case == "sgd-multiclass-scaled":
    pipe = make_pipeline(StandardScaler(), SGDClassifier(random_state=42))
    scores = cross_val_score(pipe, X_train, y_train, cv=3, n_jobs=-1)
    out = {"scores": scores.tolist()}
elif case == "forest-5":
    proba = cross_val_predict(RandomForestClassifier(random_state=42, n_jobs=-1), X_train, y_train == 5, cv=3, method="predict_proba")
    out = {"f1": f1_score(y_train == 5, proba[:, 1] >= 0.5)}
elif case == "multilabel-knn":
    y_multi = np.c_[y_train >= 7, y_train % 2 == 1]
    pred = cross_val_predict(KNeighborsClassifier(), X_train, y_multi, cv=3, n_jobs=-1)
    out = {"f1_macro": f1_score(y_multi, pred, average="macro")}
elif case == "knn-cv3":
    scores = cross_val_score(KNeighborsClassifier(), X_train, y_train, cv=3, n_jobs=-1)
    out = {"scores": scores.tolist()}
elif case == "5-never":
    from sklearn.dummy import DummyClassifier
    scores = cross_val_score(DummyClassifier(strategy="most_frequent"), X_train, y_train == 5, cv=3, n_jobs=-1)
    out = {"scores": scores.tolist()}
elif case in ("svc-ovo", "svc-ovr"):
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.svm import SVC
    clf = SVC(random_state=42) if case == "svc-ovo" else OneVsRestClassifier(SVC(random_state=42))
    scores = cross_val_score(clf, X_train[:2000], y_train[:2000], cv=3, n_jobs=-1)
    out = {"scores": scores.tolist(), "test_accuracy": clf.fit(X_train[:2000], y_train[:2000]).score(X_test, y_test)}
elif case == "denoise":
    from sklearn.metrics import mean_squared_error
    rs = np.random.RandomState(42)
    X_train_mod = X_train + rs.randint(0, 100, (len(X_train), 784))
    X_test_mod = X_test + rs.randint(0, 100, (len(X_test), 784))
    t0 = time.perf_counter()
    cleaned = KNeighborsClassifier(n_jobs=-1).fit(X_train_mod, X_train).predict(X_test_mod)
    out = {"mean_squared_error": mean_squared_error(X_test, cleaned), "noisy_mean_squared_error": mean_squared_error(X_test, X_test_mod)}
elif case == "multilabel-knn-f1w":
    y_multi = np.c_[y_train >= 7, y_train % 2 == 1]
    pred = cross_val_predict(KNeighborsClassifier(), X_train, y_multi, cv=3, n_jobs=-1)
    out = {"f1_weighted": f1_score(y_multi, pred, average="weighted")}
elif case == "knn-baseline":
    knn = KNeighborsClassifier(n_jobs=-1).fit(X_train, y_train)
    out = {"accuracy": knn.score(X_test, y_test)}
else:
    raise SystemExit(f"unknown case {case!r}")
out["seconds"] = time.perf_counter() - t0
print(json.dumps(out))
