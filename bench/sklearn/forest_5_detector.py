"""scikit-learn 1.2.1's side of bench/forest.ts: seed 003 cells [36]-[41],
cross_val_predict(RandomForestClassifier(random_state=42), cv=3, method="predict_proba",
n_jobs=-1) on the MNIST 5-detector. Prints one JSON line: wall seconds of the
cross_val_predict call, ROC AUC of the positive-class probability, F1 of the predictions
(the class of highest probability, the first on ties, as predict) and the probabilities."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures"))
from mnist_idx import load_mnist  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.metrics import f1_score, roc_auc_score  # noqa: E402
from sklearn.model_selection import cross_val_predict  # noqa: E402

X, y, _, _ = load_mnist()
y_5 = y == 5
t0 = time.perf_counter()
proba = cross_val_predict(RandomForestClassifier(random_state=42), X, y_5, cv=3, method="predict_proba", n_jobs=-1)
seconds = time.perf_counter() - t0
pred = proba[:, 1] > proba[:, 0]
print(json.dumps({
    "seconds": seconds,
    "roc_auc": roc_auc_score(y_5, proba[:, 1]),
    "f1": f1_score(y_5, pred),
    "proba1": proba[:, 1].tolist(),
}))
