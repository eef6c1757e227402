import { describe, expect, it } from 'vitest';
import { Matrix } from '../../src/matrix.js';
import { RandomState } from '../../src/random/numpy-random-state.js';
import { ParameterLimitError } from '../../src/estimators/base.js';
import { MLPClassifier } from '../../src/estimators/mlp.js';
import { initialWeights } from '../../src/estimators/mlp-network.js';
import { loadTfjs, TFJS_BACKENDS, tfjsBackend } from '../../src/kernels/tfjs.js';
import { loadDataset } from '../../src/datasets/load.js';
import '../../src/estimators/builtins.js';
import { checkSpec } from '../../src/plan/check-spec.js';
import { runExperiment } from '../../src/runner/run-local.js';
import { fitAndScore } from '../../src/evaluate/fit-and-score.js';
import { planExperiment } from '../../src/plan/plan.js';
import { describeConformance } from './conformance.js';

/**
 * Hand-made data: `perClass` points around each of `k` centres at (±4 on one axis), with
 * uniform jitter in [-1, 1) from a seeded RandomState, so classes are linearly separable.
 */
function blobs(k: number, perClass: number, dims = 4, seed = 7): { X: Matrix<Float64Array>; y: Int32Array } {
  const rng = new RandomState(seed);
  const X = new Float64Array(k * perClass * dims);
  const y = new Int32Array(k * perClass);
  for (let i = 0; i < y.length; i++) {
    const c = i % k;
    y[i] = c * 10; // labels 0, 10, 20...: fit must map them through `classes`
    for (let j = 0; j < dims; j++) {
      const centre = j === c % dims ? (c < dims ? 4 : -4) : 0;
      X[i * dims + j] = centre + (rng.randint(0, 2001) - 1000) / 1000;
    }
  }
  return { X: new Matrix(X, y.length, dims), y };
}

const small = blobs(3, 20);

describeConformance('MLPClassifier', (p) => new MLPClassifier({ hidden_layer_sizes: [8], max_iter: 5, random_state: 0, ...p }), () => small, {
  paramChange: { random_state: 3, alpha: 0.01, activation: 'tanh', hidden_layer_sizes: [6, 4] },
  invalidParams: { learning_rate_init: -1 },
});

describe('MLPClassifier', () => {
  it('draws the initial weights as scikit-learn does', () => {
    // np.random.RandomState(42): uniform(-b, b, (3, 2)) then uniform(-b, b, 2), b = sqrt(6 / (3 + 2)).
    const w = initialWeights([3, 2], 'relu', new RandomState(42));
    const expected = [-0.27486882787686717, 0.9874655704440256, 0.50827326053859, 0.21614990913593557, -0.7536253999638911, -0.753678244468986];
    expected.forEach((v, i) => expect(w.coefs[0][i]).toBeCloseTo(v, 6));
    expect(w.intercepts[0][0]).toBeCloseTo(-0.9681902965867146, 6);
    expect(w.intercepts[0][1]).toBeCloseTo(0.8022517402449281, 6);
  });

  it('learns a separable multiclass problem', async () => {
    const { X, y } = blobs(4, 50);
    const clf = await new MLPClassifier({ hidden_layer_sizes: [16], max_iter: 60, learning_rate_init: 0.01, random_state: 1 }).fit(X, y);
    expect(await clf.score(X, y)).toBe(1);
    expect(Array.from(clf.classes!)).toEqual([0, 10, 20, 30]);
    const proba = await clf.predictProba(X.head(5));
    expect(proba.cols).toBe(4);
    for (let i = 0; i < 5; i++) expect(proba.row(i).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(clf.lossCurve![clf.lossCurve!.length - 1]).toBeLessThan(clf.lossCurve![0]);
  });

  it('learns a separable binary problem with one logistic output', async () => {
    const { X, y } = blobs(2, 40);
    const clf = await new MLPClassifier({ hidden_layer_sizes: [8], activation: 'logistic', max_iter: 80, learning_rate_init: 0.01, random_state: 2 }).fit(X, y);
    expect(clf.weights!.units).toEqual([4, 8, 1]);
    expect(await clf.score(X, y)).toBe(1);
    const proba = await clf.predictProba(X.head(3));
    expect(proba.cols).toBe(2);
    expect(proba.get(0, 0) + proba.get(0, 1)).toBeCloseTo(1, 6);
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const fit = (seed: number) => new MLPClassifier({ hidden_layer_sizes: [10], max_iter: 8, random_state: seed }).fit(small.X, small.y);
    const [a, b, c] = [await fit(5), await fit(5), await fit(6)];
    expect(b.lossCurve).toEqual(a.lossCurve);
    expect(b.weights).toEqual(a.weights);
    expect((await b.predictProba(small.X)).data).toEqual((await a.predictProba(small.X)).data);
    expect(c.weights!.coefs[0]).not.toEqual(a.weights!.coefs[0]);
  });

  it('stops when the loss stalls, and with early stopping keeps the best validation epoch', async () => {
    const { X, y } = blobs(3, 40);
    const stalled = await new MLPClassifier({ hidden_layer_sizes: [8], max_iter: 500, tol: 10, n_iter_no_change: 2, random_state: 0 }).fit(X, y);
    // Epoch 1 sets the best loss; 2, 3 and 4 miss it by tol=10, and 3 misses > n_iter_no_change=2 stop it.
    expect(stalled.nIter).toBe(4);
    expect(stalled.convergenceWarning).toBeUndefined();
    const early = await new MLPClassifier({ hidden_layer_sizes: [8], max_iter: 30, early_stopping: true, random_state: 0, learning_rate_init: 0.01 }).fit(X, y);
    expect(early.validationScores!.length).toBe(early.nIter);
    expect(Math.max(...early.validationScores!)).toBe(1);
  });

  it('reports epochs through onEpoch and the backend that ran', async () => {
    const clf = new MLPClassifier({ hidden_layer_sizes: [4], max_iter: 3, tol: 0, random_state: 0 });
    const seen: Array<[number, number]> = [];
    clf.onEpoch = (epoch, max) => seen.push([epoch, max]);
    await clf.fit(small.X, small.y);
    expect(seen).toEqual([[1, 3], [2, 3], [3, 3]]);
    expect(TFJS_BACKENDS).toContain(clf.backend);
    expect(clf.backend).toBe(await tfjsBackend());
    expect(clf.convergenceWarning).toContain('Maximum iterations (3)');
  });

  it('leaves no tensors behind after fit and predict', async () => {
    const { tf } = await loadTfjs();
    const fitOnce = async () => {
      const clf = await new MLPClassifier({ hidden_layer_sizes: [6], max_iter: 3, early_stopping: true, random_state: 0 }).fit(small.X, small.y);
      await clf.predictProba(small.X);
    };
    await fitOnce();
    const before = tf.memory().numTensors;
    await fitOnce();
    await fitOnce();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the offending value of a bad parameter', () => {
    expect(() => new MLPClassifier({ hidden_layer_sizes: [0] })).toThrow(/hidden_layer_sizes.0 must be an integer >= 1, got 0/);
    expect(() => new MLPClassifier({ solver: 'sgd' } as never)).toThrow(/solver must be one of "adam", got "sgd"/);
    expect(() => new MLPClassifier({ batch_size: 0 })).toThrow(/batch_size must be "auto" or an integer >= 1, got 0/);
  });

  it("refuses epochs, layers, units and weights over gridfold's limits", () => {
    const limits = "(gridfold's limits: at most 16 layers of at most 65536 units, 67108864 weights between hidden layers)";
    expect(() => new MLPClassifier({ max_iter: 1_000_000 })).toThrow("MLPClassifier: max_iter must be an integer in [1, 100000] (gridfold's limit), got 1000000");
    expect(() => new MLPClassifier({ hidden_layer_sizes: 65_537 })).toThrow(`hidden_layer_sizes must be an integer >= 1 or a list of them ${limits}, got 65537`);
    expect(() => new MLPClassifier({ hidden_layer_sizes: Array(17).fill(1) })).toThrow(ParameterLimitError);
    // Two layers of 8,193 units: 8193**2 = 67,125,249 weights between them, just over 2**26.
    expect(() => new MLPClassifier({ hidden_layer_sizes: [8193, 8193] })).toThrow(ParameterLimitError);
    expect(new MLPClassifier({ hidden_layer_sizes: [65_536] }).getParams().hidden_layer_sizes).toEqual([65_536]);
    expect(new MLPClassifier({ hidden_layer_sizes: [8192, 8192] }).getParams().hidden_layer_sizes).toEqual([8192, 8192]);
  });
});

describe('MLPClassifier in an experiment', () => {
  const spec = {
    name: 'mlp-small',
    dataset: { source: 'mnist' },
    estimator: {
      name: 'Pipeline',
      steps: [{ name: 'StandardScaler' }, { name: 'MLPClassifier', params: { hidden_layer_sizes: [16], max_iter: 4, batch_size: 32, learning_rate_init: 0.01, tol: 0, random_state: 0 } }],
    },
    cv: { n_splits: 2, subset: 300 },
    refit: { subset: 300 },
  };

  it('reports epochs as task progress and the backend per cell', async () => {
    const plan = planExperiment(checkSpec(spec));
    const seen: number[] = [];
    const r = await fitAndScore(plan, await loadDataset(plan.dataset), plan.tasks[0], { onProgress: (f) => seen.push(f) });
    expect(seen).toEqual([0.25, 0.5, 0.75, 1, 1]);
    expect(r.cells[0].backend).toBe(await tfjsBackend());
  });

  it('names the backend of the CV fits and of the refit in the result', async () => {
    const r = await runExperiment(spec);
    expect(r.status, r.error).toBe('completed');
    const backend = await tfjsBackend();
    expect(r.backend).toEqual({ cv: [backend], refit: backend });
    expect(r.test!.accuracy).toBeGreaterThan(0.7); // 10-class MNIST from 300 images: chance is 0.1
  });
});
