"""scikit-learn side of bench/mlp-epoch.ts: MLPClassifier(hidden_layer_sizes=(300,), adam,
random_state=42, tol=0) on the 60,000 MNIST training images standardised by StandardScaler,
for `epochs` epochs of `batch_size`, then the accuracy on the 10,000 test images.
Usage: mlp_epoch.py EPOCHS BATCH_SIZE. Prints one JSON object, times in seconds (`cpu_s`: the
fit's CPU time over all of the process's threads, BLAS's included)."""
import json
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures"))
from mnist_idx import load_mnist  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

epochs, batch_size = int(sys.argv[1]), int(sys.argv[2])
X_train, y_train, X_test, y_test = load_mnist()
scaler = StandardScaler().fit(X_train)
X, X_test = scaler.transform(X_train), scaler.transform(X_test)
clf = MLPClassifier(hidden_layer_sizes=(300,), batch_size=batch_size, max_iter=epochs, random_state=42, tol=0)
warnings.simplefilter("ignore", ConvergenceWarning)
t0, c0 = time.perf_counter(), time.process_time()
clf.fit(X, y_train)
fit_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"fit_s": fit_s, "epoch_s": fit_s / epochs, "cpu_s": cpu_s, "epoch_cpu_s": cpu_s / epochs, "loss_curve": clf.loss_curve_, "test_accuracy": clf.score(X_test, y_test)}))
