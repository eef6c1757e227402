import { afterAll, describe, expect, it } from 'vitest';
import { InvalidParameterError, ParameterLimitError } from '../../src/estimators/base.js';
import { SVC, type SVCParams } from '../../src/estimators/svc.js';
import { releaseSessions } from '../../src/kernels/session.js';
import { Matrix } from '../../src/matrix.js';
import { describeConformance, matrixOf } from './conformance.js';
import { maxAbsDiff, mnistRows, rowsOf, svcFixture } from './svc-fixtures.js';

// Expected numbers come from fixtures/svc/*.json, written by fixtures/make_svc_fixtures.py
// with scikit-learn 1.2.1, except the seed test at the end (seed notebook 003, cell [44]).
afterAll(releaseSessions);

interface SvcCase {
  params: Partial<SVCParams>;
  gamma: number;
  classes: number[];
  support: number[];
  n_support: number[];
  dual_coef: number[][];
  intercept: number[];
  fit_status: number;
  n_iter: number[];
  warnings: string[];
  predict: number[];
  decision_ovr: number[][] | number[];
  decision_ovo: number[][] | number[];
  predict_break_ties?: number[];
}
interface MnistSvcFixture {
  train_rows: number[];
  query_rows: number[];
  cases: Record<string, SvcCase>;
}
interface ToySvcFixture {
  X: number[][];
  y: number[];
  Q: number[][];
  cases: Record<string, SvcCase>;
}

const asRows = (v: number[][] | number[]): number[][] => (Array.isArray(v[0]) ? (v as number[][]) : (v as number[]).map((x) => [x]));

/** Fits `params` and checks every fitted attribute and output against the scikit-learn case. */
async function expectCase(c: SvcCase, X: Matrix, y: Int32Array, Q: Matrix, tolerance: { coef: number; decision: number }): Promise<void> {
  const svc = await new SVC(c.params).fit(X, y);
  expect(svc.gamma).toBe(c.gamma);
  expect(Array.from(svc.classes)).toEqual(c.classes);
  expect(Array.from(svc.support)).toEqual(c.support);
  expect(Array.from(svc.nSupport)).toEqual(c.n_support);
  expect(Array.from(svc.nIter)).toEqual(c.n_iter);
  expect(svc.fitStatus).toBe(c.fit_status);
  expect(svc.convergenceWarning ? [svc.convergenceWarning] : []).toEqual(c.warnings);
  expect(maxAbsDiff(rowsOf(svc.dualCoef), c.dual_coef)).toBeLessThanOrEqual(tolerance.coef);
  expect(maxAbsDiff([Array.from(svc.intercept)], [c.intercept])).toBeLessThanOrEqual(tolerance.coef);
  expect(Array.from(await svc.predict(Q))).toEqual(c.predict);
  const rows = asRows(c.decision_ovr).length;
  expect(maxAbsDiff(rowsOf(await svc.decisionFunction(Q.head(rows))), asRows(c.decision_ovr))).toBeLessThanOrEqual(tolerance.decision);
  const ovo = new SVC({ ...c.params, decision_function_shape: 'ovo' });
  await ovo.fit(X, y);
  expect(maxAbsDiff(rowsOf(await ovo.decisionFunction(Q.head(rows))), asRows(c.decision_ovo))).toBeLessThanOrEqual(tolerance.decision);
  if (c.predict_break_ties) {
    const ties = await new SVC({ ...c.params, break_ties: true }).fit(X, y);
    expect(Array.from(await ties.predict(Q))).toEqual(c.predict_break_ties);
  }
}

describe('SVC on MNIST rows matches scikit-learn 1.2.1 (mnist-svc.json)', () => {
  const fx = svcFixture<MnistSvcFixture>('mnist-svc.json');
  // Byte pixels give exact kernel distances, so the solver retraces libsvm's steps: the
  // support vectors, iteration counts and dual coefficients come out bit-identical. The
  // tolerances only absorb exp() differing from glibc's in the last bit.
  for (const [name, c] of Object.entries(fx.cases)) {
    it(`${name}: support, n_iter, dual_coef_, intercept_, decision_function, predict`, async () => {
      const train = await mnistRows(fx.train_rows);
      const Q = (await mnistRows(fx.query_rows)).X;
      const y = name.startsWith('binary') ? Int32Array.from(train.y, (v) => (v === 5 ? 1 : 0)) : train.y;
      await expectCase(c, train.X, y, Q, { coef: 1e-12, decision: 1e-9 });
    });
  }
});

describe('SVC on float data matches scikit-learn 1.2.1 (toy-svc.json)', () => {
  const fx = svcFixture<ToySvcFixture>('toy-svc.json');
  const X = matrixOf(fx.X);
  const y = Int32Array.from(fx.y);
  const Q = matrixOf(fx.Q);
  for (const [name, c] of Object.entries(fx.cases)) {
    it(`${name} (labels 2, 5, 7; 3 features)`, async () => {
      const keep = name === 'binary' ? fx.y.map((v, i) => (v !== 7 ? i : -1)).filter((i) => i >= 0) : fx.y.map((_, i) => i);
      await expectCase(c, X.take(keep), Int32Array.from(keep, (i) => y[i]), Q, { coef: 1e-9, decision: 1e-9 });
    });
  }

  it('shapes its decision function as scikit-learn: 3 ovr columns, 3 ovo pairs, 1 for binary', async () => {
    const ovr = await new SVC().fit(X, y);
    expect((await ovr.decisionFunction(Q)).cols).toBe(3);
    const ovo = await new SVC({ decision_function_shape: 'ovo' }).fit(X, y);
    expect((await ovo.decisionFunction(Q)).cols).toBe(3);
    const binary = await new SVC().fit(X.head(20), Int32Array.from(y.subarray(0, 20), (v) => (v === 5 ? 1 : 0)));
    expect((await binary.decisionFunction(Q)).cols).toBe(1);
  });

  it('rejects break_ties with ovo at predict, as scikit-learn', async () => {
    const svc = await new SVC({ break_ties: true, decision_function_shape: 'ovo' }).fit(X, y);
    await expect(svc.predict(Q)).rejects.toThrow(InvalidParameterError);
  });

  it('rejects a bad gamma and a single class, naming them', async () => {
    expect(() => new SVC({ gamma: -1 })).toThrow('gamma must be "scale", "auto" or a number > 0, got -1');
    expect(() => new SVC({ gamma: 'big' as never })).toThrow('got "big"');
    await expect(new SVC().fit(X.head(3), new Int32Array(3).fill(5))).rejects.toThrow('got 1 class');
  });

  it("keeps max_iter -1 (no limit, as scikit-learn) and refuses a given max_iter over gridfold's limit", () => {
    expect(new SVC({ max_iter: -1 }).getParams().max_iter).toBe(-1);
    expect(() => new SVC({ max_iter: 10_000_001 })).toThrow(ParameterLimitError);
    expect(() => new SVC({ max_iter: 10_000_001 })).toThrow("SVC: max_iter must be an integer in [-1, 10000000] (gridfold's limit), got 10000001");
  });
});

describe('SVC reproduces seed notebook 003', () => {
  it('cell [44]: decision_function of training image 0 after fitting the first 2,000 images', async () => {
    const { X, y } = await mnistRows([0, 2000]);
    const svc = await new SVC({ random_state: 42 }).fit(X, y);
    const scores = Array.from((await svc.decisionFunction(X.head(1))).data, (v) => Math.round(v * 100) / 100);
    expect(scores).toEqual([3.79, 0.73, 6.06, 8.3, -0.29, 9.3, 1.75, 2.77, 7.21, 4.82]);
    expect(Array.from(await svc.predict(X.head(1)))).toEqual([5]);
  });
});

describeConformance(
  'SVC',
  (params) => new SVC(params as Partial<SVCParams>),
  () => {
    const fx = svcFixture<ToySvcFixture>('toy-svc.json');
    return { X: matrixOf(fx.X), y: Int32Array.from(fx.y) };
  },
  { paramChange: { C: 2, kernel: 'linear' }, invalidParams: { C: -1 } },
);
