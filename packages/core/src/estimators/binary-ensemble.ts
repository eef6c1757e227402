import { Estimator } from './base.js';
import type { WrapperParams } from './nested-estimator.js';

/**
 * What OneVsRestClassifier and OneVsOneClassifier share: params = the wrapped estimator's
 * spec; once fitted, the sorted classes (`classes_`) and one fitted binary estimator per
 * problem (`estimators_`), in the wrapper's problem order.
 */
export abstract class BinaryEnsemble<S extends { classes: Int32Array; estimators: Estimator[] }> extends Estimator<WrapperParams> {
  protected state?: S;

  get fitted(): boolean {
    return this.state !== undefined;
  }

  get estimators(): Estimator[] {
    return this.fittedState().estimators;
  }

  get classes(): Int32Array {
    return this.fittedState().classes;
  }

  protected fittedState(): S {
    this.checkFitted();
    return this.state as S;
  }
}
