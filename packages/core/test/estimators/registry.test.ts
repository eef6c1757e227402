import { describe, expect, it } from 'vitest';
import { Estimator, UnknownEstimatorError, UnknownParameterError, type Params } from '../../src/estimators/base.js';
import '../../src/estimators/builtins.js';
import { DummyClassifier } from '../../src/estimators/dummy.js';
import { Pipeline } from '../../src/estimators/pipeline.js';
import { buildEstimator, estimatorNames, registerEstimator, transformerNames } from '../../src/estimators/registry.js';
import type { Matrix, Target } from '../../src/matrix.js';

/** The smallest estimator there is: predicts 0. Only here to register under a fresh name. */
class Zero extends Estimator {
  readonly name = 'Zero';
  private done = false;
  constructor(params: Params = {}) {
    super(params);
  }
  get fitted(): boolean {
    return this.done;
  }
  async fit(_X: Matrix, _y: Target): Promise<this> {
    this.done = true;
    return this;
  }
  async predict(X: Matrix): Promise<Int32Array> {
    this.checkFitted();
    return new Int32Array(X.rows);
  }
}

describe('estimator registry', () => {
  it('lists the built-in estimators and transformers by scikit-learn name', () => {
    expect(estimatorNames()).toEqual(expect.arrayContaining(['KNeighborsClassifier', 'SGDClassifier', 'RandomForestClassifier', 'OneVsRestClassifier', 'Pipeline']));
    expect(transformerNames()).toEqual(['StandardScaler']);
  });

  it('builds a registered class with the spec params and the cell on top', () => {
    const e = buildEstimator({ name: 'DummyClassifier', params: { strategy: 'constant', constant: 1 } }, { constant: 0 });
    expect(e).toBeInstanceOf(DummyClassifier);
    expect(e.getParams()).toMatchObject({ strategy: 'constant', constant: 0 });
  });

  it('builds a Pipeline from its steps, cell params by <step>__<param>', () => {
    const p = buildEstimator({ name: 'Pipeline', steps: [{ name: 'StandardScaler' }, { name: 'SGDClassifier' }] }, { sgdclassifier__alpha: 0.5 });
    expect(p).toBeInstanceOf(Pipeline);
    expect(p.getParams()).toMatchObject({ sgdclassifier__alpha: 0.5, standardscaler__with_mean: true });
  });

  it('names the place and what is allowed for an unknown estimator, as a typed error', () => {
    const err = (() => {
      try {
        buildEstimator({ name: 'Pipeline', steps: [{ name: 'PCA' }, { name: 'SVC' }] });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UnknownEstimatorError);
    expect(err).toMatchObject({ path: 'estimator.steps.0.name', given: 'PCA', allowed: ['StandardScaler'] });
    expect(() => buildEstimator({ name: 'KNN' })).toThrow(/^estimator.name must be one of .*"KNeighborsClassifier".*, got "KNN"$/);
    expect(() => buildEstimator({ name: 'SVC' }, { nope: 1 })).toThrow(UnknownParameterError);
  });

  it('takes a new class by name, once', () => {
    registerEstimator('Zero', Zero);
    registerEstimator('Zero', Zero);
    expect(buildEstimator({ name: 'Zero' })).toBeInstanceOf(Zero);
    expect(estimatorNames()).toContain('Zero');
    expect(() => registerEstimator('Zero', DummyClassifier)).toThrow('an estimator named "Zero" is already registered');
    expect(() => registerEstimator('Pipeline', Zero)).toThrow('"Pipeline" is built from its steps and cannot be registered');
  });
});
