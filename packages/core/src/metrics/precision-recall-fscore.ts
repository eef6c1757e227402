import type { Target } from '../matrix.js';
import { countPerClass } from './class-counts.js';
import { numpyMean, numpyWeightedAverage } from './numpy-sum.js';
import { checkTargets } from './validation.js';
import { emitMetricWarning, type WarningHandler } from './warnings.js';

/**
 * How per-class scores are combined: `'binary'` reports `posLabel` only, `'micro'` pools
 * the counts, `'macro'` is the plain mean over classes, `'weighted'` weights by support,
 * `null` returns one score per class (sorted labels, or columns for multilabel).
 */
export type Average = 'binary' | 'micro' | 'macro' | 'weighted' | null;

/** Value for a score whose denominator is zero; `'warn'` gives 0 and reports a warning. */
export type ZeroDivision = 'warn' | 0 | 1;

/** Options of {@link precisionScore}, {@link recallScore} and {@link f1Score}. */
export interface PrecisionRecallOptions {
  /** @defaultValue `'binary'` */
  average?: Average;
  /** The positive class when `average` is `'binary'`. @defaultValue 1 */
  posLabel?: number;
  /** @defaultValue `'warn'` (as scikit-learn 1.2) */
  zeroDivision?: ZeroDivision;
  /** Receives UndefinedMetricWarning-style messages. @defaultValue a Node process warning */
  onWarning?: WarningHandler;
}

type MetricName = 'precision' | 'recall' | 'f-score';
const AVERAGES: Average[] = ['binary', 'micro', 'macro', 'weighted', null];

function illDefinedMessage(msgStart: string, modifier: string, resultSize: number): string {
  const where = resultSize === 1 ? 'due to' : 'in labels with';
  return `${msgStart} ill-defined and being set to 0.0 ${where} no ${modifier} samples. Use \`zero_division\` parameter to control this behavior.`;
}

/** scikit-learn's `precision_recall_fscore_support` (beta = 1) for the one metric asked for. */
function scoreOf(metric: MetricName, yTrue: Target, yPred: Target, options: PrecisionRecallOptions): number | Float64Array {
  const { average = 'binary', posLabel, zeroDivision = 'warn', onWarning = emitMetricWarning } = options;
  if (!AVERAGES.includes(average)) {
    throw new RangeError(`average must be one of 'binary', 'micro', 'macro', 'weighted' or null, got ${JSON.stringify(average)}`);
  }
  if (zeroDivision !== 'warn' && zeroDivision !== 0 && zeroDivision !== 1) {
    throw new RangeError(`zeroDivision must be 'warn', 0 or 1, got ${JSON.stringify(zeroDivision)}`);
  }
  const t = checkTargets(yTrue, yPred);
  let labels = t.labels;
  if (average === 'binary') {
    const pos = posLabel ?? 1;
    if (t.kind !== 'binary') {
      throw new RangeError(
        `Target is ${t.kind} but average='binary'. Please choose another average setting, one of null, 'micro', 'macro', 'weighted'.`,
      );
    }
    if (!labels.includes(pos) && labels.length >= 2) {
      throw new RangeError(`pos_label=${pos} is not a valid label. It should be one of [${labels.join(', ')}]`);
    }
    labels = [pos];
  } else if (posLabel !== undefined && posLabel !== 1) {
    onWarning(
      `Note that pos_label (set to ${posLabel}) is ignored when average != 'binary' (got ${JSON.stringify(average)}). ` +
        'You may use labels=[pos_label] to specify a single positive class.',
    );
  }
  let { tp, predicted, actual } = countPerClass(t, labels);
  if (average === 'micro') {
    const total = (a: Float64Array) => Float64Array.of(a.reduce((s, v) => s + v, 0));
    [tp, predicted, actual] = [total(tp), total(predicted), total(actual)];
  }
  const fill = zeroDivision === 1 ? 1 : 0;
  const divide = (name: MetricName, modifier: string, den: Float64Array): Float64Array => {
    const out = new Float64Array(tp.length);
    let zero = false;
    for (let c = 0; c < tp.length; c++) {
      if (den[c] === 0) {
        out[c] = fill;
        zero = true;
      } else out[c] = tp[c] / den[c];
    }
    if (zero && zeroDivision === 'warn' && name === metric) {
      onWarning(illDefinedMessage(name === 'precision' ? 'Precision is' : 'Recall is', modifier, out.length));
    }
    return out;
  };
  const precision = divide('precision', 'predicted', predicted);
  const recall = divide('recall', 'true', actual);
  if (metric === 'f-score' && zeroDivision === 'warn' && actual.some((a, c) => a === 0 && predicted[c] === 0)) {
    onWarning(illDefinedMessage('F-score is', 'true nor predicted', actual.length));
  }
  const fScore = new Float64Array(tp.length);
  for (let c = 0; c < tp.length; c++) {
    const denom = precision[c] + recall[c];
    fScore[c] = (2 * precision[c] * recall[c]) / (denom === 0 ? 1 : denom);
  }
  const perClass = metric === 'precision' ? precision : metric === 'recall' ? recall : fScore;
  if (average === null) return perClass;
  if (average === 'weighted') {
    if (actual.every((a) => a === 0)) {
      // scikit-learn's early return when no sample is positive for any label.
      if (predicted.every((p) => p === 0)) return fill;
      return metric === 'recall' ? fill : 0;
    }
    return numpyWeightedAverage(perClass, actual);
  }
  return numpyMean(perClass);
}

/**
 * Precision `tp / (tp + fp)`, as scikit-learn's `precision_score`, for label vectors or
 * multilabel 0/1 matrices.
 *
 * @throws if `average` is `'binary'` and the targets are not binary, or `posLabel` is not
 *   one of two present labels.
 */
export function precisionScore(yTrue: Target, yPred: Target, options?: PrecisionRecallOptions & { average?: Exclude<Average, null> }): number;
export function precisionScore(yTrue: Target, yPred: Target, options: PrecisionRecallOptions & { average: null }): Float64Array;
export function precisionScore(yTrue: Target, yPred: Target, options: PrecisionRecallOptions = {}): number | Float64Array {
  return scoreOf('precision', yTrue, yPred, options);
}

/** Recall `tp / (tp + fn)`, as scikit-learn's `recall_score`; options as {@link precisionScore}. */
export function recallScore(yTrue: Target, yPred: Target, options?: PrecisionRecallOptions & { average?: Exclude<Average, null> }): number;
export function recallScore(yTrue: Target, yPred: Target, options: PrecisionRecallOptions & { average: null }): Float64Array;
export function recallScore(yTrue: Target, yPred: Target, options: PrecisionRecallOptions = {}): number | Float64Array {
  return scoreOf('recall', yTrue, yPred, options);
}

/**
 * F1, the harmonic mean of precision and recall per class before averaging, as
 * scikit-learn's `f1_score`; options as {@link precisionScore}.
 */
export function f1Score(yTrue: Target, yPred: Target, options?: PrecisionRecallOptions & { average?: Exclude<Average, null> }): number;
export function f1Score(yTrue: Target, yPred: Target, options: PrecisionRecallOptions & { average: null }): Float64Array;
export function f1Score(yTrue: Target, yPred: Target, options: PrecisionRecallOptions = {}): number | Float64Array {
  return scoreOf('f-score', yTrue, yPred, options);
}
