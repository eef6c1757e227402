import { axis, type ChartOption } from './echarts.js';

/** scikit-learn's precision_recall_curve: precision and recall have one more point than thresholds. */
export interface PrCurve {
  precision: number[];
  recall: number[];
  thresholds: number[];
}

/** scikit-learn's roc_curve. */
export interface RocCurve {
  fpr: number[];
  tpr: number[];
  thresholds: Array<number | null>;
}

/** The seeds' operating point: the lowest threshold reaching a precision, and its recall. */
export interface OperatingPoint {
  precision: number;
  threshold: number;
  recall: number;
}

/** A curve array as JSON may carry it: an array, or a typed array serialised as an index-keyed object. */
export function numbers(v: unknown): number[] {
  if (Array.isArray(v)) return v as number[];
  if (v && typeof v === 'object') return Object.values(v as Record<string, number>);
  return [];
}

const legend = { top: 0 };
const grid = { left: 70, right: 30, top: 40, bottom: 55 };

/** Seed 003's figure: precision and recall against the decision threshold, the chosen threshold marked. */
export function prThresholdOption(c: PrCurve, point: OperatingPoint | undefined): ChartOption {
  const t = numbers(c.thresholds);
  const p = numbers(c.precision);
  const r = numbers(c.recall);
  const mark = point
    ? { symbol: 'none', lineStyle: { type: 'dashed', color: '#555' }, label: { formatter: `threshold ${point.threshold.toPrecision(6)}` }, data: [{ xAxis: point.threshold }] }
    : undefined;
  return {
    legend,
    grid,
    tooltip: { trigger: 'axis' },
    xAxis: axis('value', 'threshold', { scale: true }),
    yAxis: axis('value', 'score', { min: 0, max: 1, nameGap: 45 }),
    series: [
      { name: 'precision', type: 'line', showSymbol: false, data: t.map((x, i) => [x, p[i]]), markLine: mark },
      { name: 'recall', type: 'line', showSymbol: false, data: t.map((x, i) => [x, r[i]]) },
    ],
  };
}

/** Precision against recall, the operating point marked. */
export function precisionRecallOption(c: PrCurve, point: OperatingPoint | undefined): ChartOption {
  const p = numbers(c.precision);
  const r = numbers(c.recall);
  return {
    grid,
    tooltip: { trigger: 'axis' },
    xAxis: axis('value', 'recall', { min: 0, max: 1 }),
    yAxis: axis('value', 'precision', { min: 0, max: 1, nameGap: 45 }),
    series: [
      {
        name: 'precision',
        type: 'line',
        showSymbol: false,
        data: r.map((x, i) => [x, p[i]]),
        markPoint: point ? { symbol: 'circle', symbolSize: 10, label: { show: true, position: 'right', formatter: `${(point.precision * 100).toFixed(0)} % precision` }, data: [{ coord: [point.recall, point.precision] }] } : undefined,
      },
    ],
  };
}

/** ROC curves, one per experiment (the seeds overlay SGD and random forest), AUC in the legend; the diagonal is chance. */
export function rocOption(curves: Array<{ name: string; curve: RocCurve; auc: number | undefined }>): ChartOption {
  return {
    legend: { ...legend, type: 'scroll' },
    grid,
    tooltip: { trigger: 'axis' },
    xAxis: axis('value', 'false positive rate (fall-out)', { min: 0, max: 1 }),
    yAxis: axis('value', 'true positive rate (recall)', { min: 0, max: 1, nameGap: 45 }),
    series: [
      ...curves.map(({ name, curve, auc }) => {
        const f = numbers(curve.fpr);
        const t = numbers(curve.tpr);
        return { name: auc === undefined ? name : `${name} (AUC ${auc.toFixed(4)})`, type: 'line', showSymbol: false, data: f.map((x, i) => [x, t[i]]) };
      }),
      { name: 'chance', type: 'line', showSymbol: false, lineStyle: { type: 'dashed', color: '#999' }, itemStyle: { color: '#999' }, data: [[0, 0], [1, 1]] },
    ],
  };
}
