import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/runner/run-local.js';

/**
 * experiments/mnist-5-sgd.json at full size, in-process: seed 003 cells [13]-[31]. Every
 * number is scikit-learn 1.2.1's, to the last bit (the seed prints them rounded), from
 *
 *   clf = SGDClassifier(random_state=42); y5 = y_train == 5
 *   cross_val_score(clf, X_train, y5, cv=3)
 *   d = cross_val_predict(clf, X_train, y5, cv=3, method="decision_function")
 *   confusion_matrix / precision_score / recall_score / f1_score(y5, d > 0), roc_auc_score(y5, d)
 *   p, r, t = precision_recall_curve(y5, d); i = np.argmax(p >= 0.90)
 *
 * so the SGD fits (60,000 x 784, 477 epochs over the three folds) must match epoch for epoch.
 */
const spec = JSON.parse(readFileSync(new URL('../../../../experiments/mnist-5-sgd.json', import.meta.url), 'utf8'));

describe('seed SGD 5-detector (full MNIST, in-process)', () => {
  it('gives the seed folds, confusion matrix and metrics exactly', async () => {
    const r = await runExperiment(spec);
    expect(r.status, r.error).toBe('completed');
    expect([r.cv_results!.split0_test_score[0], r.cv_results!.split1_test_score[0], r.cv_results!.split2_test_score[0]]).toEqual([0.95035, 0.96035, 0.9604]);
    expect(r.metrics.confusion_matrix).toEqual([[53892, 687], [1891, 3530]]);
    expect(r.metrics.precision).toBe(0.8370879772350012);
    expect(r.metrics.recall).toBe(0.6511713705958311);
    expect(r.metrics.f1).toBe(0.7325171197343846);
    expect(r.metrics.roc_auc).toBe(0.9604938554008616);
    const t = r.metrics.threshold_for_precision as { threshold: number; precision: number; recall: number };
    expect(t.precision).toBe(0.9000345901072293);
    expect(t.recall).toBe(0.4799852425751706);
    // scikit-learn prints 3370.0194991439557: its decision_function sums X @ coef in BLAS's
    // order, ours left to right, a few ulps apart (same weights, same row picked).
    expect(t.threshold).toBeCloseTo(3370.0194991439557, 9);
  }, 120_000);
});
