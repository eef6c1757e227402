export { accuracyScore } from './accuracy.js';
export { auc, rocAucScore, rocCurve, type RocCurve, type RocCurveOptions } from './roc.js';
export { confusionMatrix, type ConfusionMatrixOptions, type ConfusionMatrixResult } from './confusion-matrix.js';
export { downsampleCurve } from './downsample-curve.js';
export { meanSquaredError } from './mean-squared-error.js';
export {
  f1Score,
  precisionScore,
  recallScore,
  type Average,
  type PrecisionRecallOptions,
  type ZeroDivision,
} from './precision-recall-fscore.js';
export { precisionRecallCurve, type CurveOptions, type PrecisionRecallCurve } from './precision-recall-curve.js';
export { thresholdForPrecision, type PrecisionOperatingPoint } from './threshold-for-precision.js';
export { emitMetricWarning, type WarningHandler } from './warnings.js';
export { PREDICTION_METRICS, BINARY_METRICS, isPredictionMetric, type PredictionMetric } from './by-name.js';
export { SCORERS, score, firstColumn, type Scorer, type ScoringName } from './scorers.js';
