"""scikit-learn baseline for the seed KNN grid (seed 003 cells [83]-[86]): GridSearchCV(n_jobs=-1)
on the first 10,000 training images, then the best estimator refit on all 60,000 and scored on
the test set. Prints one JSON object with wall times in seconds."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures"))
from mnist_idx import load_mnist  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402

X_train, y_train, X_test, y_test = load_mnist()
param_grid = [{"weights": ["uniform", "distance"], "n_neighbors": [3, 4, 5, 6]}]
t0 = time.perf_counter()
grid = GridSearchCV(KNeighborsClassifier(), param_grid, cv=5, n_jobs=-1)
grid.fit(X_train[:10_000], y_train[:10_000])
t1 = time.perf_counter()
grid.best_estimator_.fit(X_train, y_train)
accuracy = grid.score(X_test, y_test)
t2 = time.perf_counter()
print(json.dumps({
    "grid_s": t1 - t0,
    "refit_test_s": t2 - t1,
    "best_params": grid.best_params_,
    "best_score": grid.best_score_,
    "test_accuracy": accuracy,
}))
