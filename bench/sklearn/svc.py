"""scikit-learn baseline for the seeds' SVC (seed 003 cells [42]-[50]): SVC(random_state=42)
and OneVsRestClassifier(SVC(random_state=42)) on the first 2,000 training images,
cross_val_score cv=3, then fit on the 2,000 and score the 10,000 test images. Prints one
JSON object with wall times in seconds."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures"))
from mnist_idx import load_mnist  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.multiclass import OneVsRestClassifier  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

X_train, y_train, X_test, y_test = load_mnist()
X, y = X_train[:2000], y_train[:2000]
out = {}
for name, make in (("ovo", lambda: SVC(random_state=42)), ("ovr", lambda: OneVsRestClassifier(SVC(random_state=42)))):
    t0 = time.perf_counter()
    folds = cross_val_score(make(), X, y, cv=3)
    t1 = time.perf_counter()
    clf = make().fit(X, y)
    t2 = time.perf_counter()
    accuracy = clf.score(X_test, y_test)
    t3 = time.perf_counter()
    out[name] = {"cv_s": t1 - t0, "fit_s": t2 - t1, "test_s": t3 - t2, "folds": folds.tolist(), "test_accuracy": accuracy}
print(json.dumps(out))
