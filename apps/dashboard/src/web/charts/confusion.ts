import { axis, type ChartOption } from './echarts.js';

/** The confusion matrices a result may carry, with their captions. */
export const CONFUSION_KINDS = [
  ['confusion_matrix', 'counts'],
  ['confusion_matrix_normalized_true', 'normalised by row (true class)'],
  ['confusion_matrix_normalized_pred', 'normalised by column (predicted class)'],
  ['confusion_matrix_normalized_all', 'normalised by the total'],
  ['confusion_matrix_normalized_errors_true', 'errors only, by row'],
  ['confusion_matrix_normalized_errors_pred', 'errors only, by column'],
] as const;

/** A confusion matrix as a heatmap: true class down, predicted class across, as scikit-learn's ConfusionMatrixDisplay. */
export function confusionOption(matrix: number[][], labels: Array<string | number>, counts: boolean): ChartOption {
  const names = labels.map(String);
  const data: Array<[number, number, number]> = [];
  matrix.forEach((row, i) => row.forEach((v, j) => data.push([j, i, v])));
  const values = data.map((d) => d[2]);
  const small = names.length <= 12;
  return {
    tooltip: { position: 'top' },
    grid: { left: 70, right: 110, top: 10, bottom: 55 },
    xAxis: axis('category', 'predicted label', { data: names }),
    yAxis: axis('category', 'true label', { data: names, inverse: true, nameGap: 40 }),
    visualMap: { min: Math.min(...values), max: Math.max(...values, Math.min(...values) + 1e-12), calculable: true, right: 5, top: 'center', precision: counts ? 0 : 3, inRange: { color: ['#ffffff', '#fdae6b', '#7f2704'] } },
    series: [
      {
        type: 'heatmap',
        name: 'confusion',
        data,
        label: { show: small, fontSize: names.length > 4 ? 9 : 13, formatter: (p: { value: [number, number, number] }) => (counts ? String(p.value[2]) : `${(p.value[2] * 100).toFixed(names.length > 4 ? 0 : 1)}%`) },
      },
    ],
  };
}
