import { describe, expect, it, vi } from 'vitest';
import { clone, InvalidParameterError } from '../../src/estimators/base.js';
import { DummyClassifier } from '../../src/estimators/dummy.js';
import { makePipeline, Pipeline } from '../../src/estimators/pipeline.js';
import { SGDClassifier } from '../../src/estimators/sgd.js';
import { StandardScaler } from '../../src/estimators/standard-scaler.js';
import { describeConformance, matrixOf } from './conformance.js';
import { loadLinearFixture } from './linear-fixtures.js';

// Numbers from fixtures/make_linear_fixtures.py (scikit-learn 1.2.1):
// make_pipeline(StandardScaler(), SGDClassifier(shuffle=False, loss="log_loss")) on
// unscaled features (90 x 5, 3 classes).
const fixture = loadLinearFixture<{
  y: number[];
  pipeline: { X: number[][]; names: string[]; decision_function: number[][]; predict_proba: number[][]; predict: number[] };
}>('sgd.json');
const X = matrixOf(fixture.pipeline.X);
const y = Int32Array.from(fixture.y);
const build = (params = {}) => new Pipeline({ steps: [['scaler', new StandardScaler()], ['sgd', new SGDClassifier({ shuffle: false })]] }, params);

describeConformance('Pipeline', (p) => build(p), () => ({ X, y }), {
  paramChange: { sgd__alpha: 0.001, scaler__with_mean: false },
  invalidParams: { sgd__alpha: -2 },
});

describe('Pipeline against scikit-learn 1.2.1', () => {
  it('make_pipeline names steps and passes scores through', async () => {
    const pipe = makePipeline(new StandardScaler(), new SGDClassifier({ shuffle: false, loss: 'log_loss' }));
    expect(pipe.steps.map(([name]) => name)).toEqual(fixture.pipeline.names);
    await pipe.fit(X, y);
    expect(Array.from(await pipe.predict(X) as Int32Array)).toEqual(fixture.pipeline.predict);
    const head = X.head(10);
    const scores = (await pipe.decisionFunction(head)).data;
    fixture.pipeline.decision_function.flat().forEach((v, i) => expect(scores[i]).toBeCloseTo(v, 8));
    const proba = (await pipe.predictProba(head)).data;
    fixture.pipeline.predict_proba.flat().forEach((v, i) => expect(proba[i]).toBeCloseTo(v, 10));
  });
});

describe('Pipeline', () => {
  it('routes nested params to steps and clones into fresh steps', async () => {
    const pipe = build({ sgd__alpha: 0.01 });
    expect(pipe.getParams()).toMatchObject({ sgd__alpha: 0.01, sgd__loss: 'hinge', scaler__with_std: true });
    await pipe.fit(X, y);
    const copy = clone(pipe) as Pipeline;
    expect(copy.steps[1][1]).not.toBe(pipe.steps[1][1]);
    expect(copy.getParams()).toEqual(pipe.getParams());
    expect(copy.fitted).toBe(false);
  });

  it('fitShared fits the shared transformers once; each cell scores as if fitted alone', async () => {
    const alphas = [0.01, 0.001, 0.0001];
    const group = alphas.map((a) => build({ sgd__alpha: a }));
    expect(new Set(group.map((p) => p.shareKey('predict'))).size).toBe(1);
    expect(build({ scaler__with_mean: false }).shareKey('predict')).not.toBe(group[0].shareKey('predict'));
    const scalerFit = vi.spyOn(StandardScaler.prototype, 'fit');
    const scalerTransform = vi.spyOn(StandardScaler.prototype, 'transform');
    try {
      const shared = await group[0].fitShared(group, X, y);
      const members = [];
      for (let i = 0; i < alphas.length; i++) members.push(await shared.fitCell(i));
      const Q = X.head(40);
      const predictions = [];
      for (const m of members) predictions.push(await m.predict(Q));
      expect(scalerFit).toHaveBeenCalledTimes(1);
      // One transform of the training rows while fitting, one of the scored rows for the whole group.
      expect(scalerTransform).toHaveBeenCalledTimes(2);
      scalerFit.mockRestore();
      scalerTransform.mockRestore();
      for (const [i, a] of alphas.entries()) {
        const alone = await build({ sgd__alpha: a }).fit(X, y);
        expect(predictions[i], `alpha ${a}`).toEqual(await alone.predict(Q));
        expect(members[i].getParams()).toEqual(alone.getParams());
      }
    } finally {
      scalerFit.mockRestore();
      scalerTransform.mockRestore();
    }
  });

  it('names repeated classes with -1, -2 like make_pipeline', () => {
    const pipe = makePipeline(new StandardScaler(), new StandardScaler(), new DummyClassifier());
    expect(pipe.steps.map(([name]) => name)).toEqual(['standardscaler-1', 'standardscaler-2', 'dummyclassifier']);
  });

  it('explains malformed steps and params', async () => {
    expect(() => build({ svc__C: 1 })).toThrow(/parameter "svc__C" must be <step>__<param> with a step among "scaler", "sgd"/);
    expect(() => new Pipeline({ steps: [['sgd', new SGDClassifier()], ['dummy', new DummyClassifier()]] })).toThrow(InvalidParameterError);
    expect(() => new Pipeline({ steps: [] })).toThrow(/at least one step/);
    const dummy = await makePipeline(new DummyClassifier()).fit(X, y);
    await expect(dummy.decisionFunction(X)).rejects.toThrow(/DummyClassifier has no decisionFunction/);
  });
});
