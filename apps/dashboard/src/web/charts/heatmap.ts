import type { CvResults } from '../api.js';
import { fmtParam } from '../dom.js';
import { axis, type ChartOption } from './echarts.js';

/** Parameters that take more than one value across the grid, in cv_results order. */
export function gridAxes(cv: CvResults): string[] {
  const names = Object.keys(cv).filter((k) => k.startsWith('param_')).map((k) => k.slice(6));
  return names.filter((n) => new Set(cv.params.map((p) => fmtParam(p[n]))).size > 1);
}

/**
 * Mean test score over two parameters (x and y) as an ECharts heatmap. Other parameters are
 * held at the best cell's values (the grid's rank-1 cell), so each square is one grid cell.
 */
export function heatmapOption(cv: CvResults, x: string, y: string, bestIndex: number | null): ChartOption {
  const anchor = bestIndex ?? 0;
  const others = gridAxes(cv).filter((n) => n !== x && n !== y);
  const xs = distinct(cv.params.map((p) => p[x]));
  const ys = distinct(cv.params.map((p) => p[y]));
  const data: Array<[number, number, number | null]> = [];
  let best: [number, number] | null = null;
  cv.params.forEach((p, i) => {
    if (!(x in p) || !(y in p)) return;
    if (others.some((o) => fmtParam(p[o]) !== fmtParam(cv.params[anchor][o]))) return;
    const cell: [number, number] = [xs.indexOf(fmtParam(p[x])), ys.indexOf(fmtParam(p[y]))];
    data.push([...cell, cv.mean_test_score[i]]);
    if (i === bestIndex) best = cell;
  });
  const values = data.map((d) => d[2]).filter((v): v is number => v !== null);
  const min = values.length ? Math.min(...values) : 0;
  const max = values.length ? Math.max(...values) : 1;
  return {
    tooltip: { position: 'top' },
    grid: { left: 90, right: 120, top: 20, bottom: 60 },
    xAxis: axis('category', x, { data: xs, splitArea: { show: true } }),
    yAxis: axis('category', y, { data: ys, splitArea: { show: true }, nameGap: 60 }),
    visualMap: { min, max: max > min ? max : min + 1e-9, calculable: true, orient: 'vertical', right: 10, top: 'center', precision: 4, inRange: { color: ['#f7fbff', '#6baed6', '#08306b'] } },
    series: [
      {
        name: 'mean_test_score',
        type: 'heatmap',
        data: data.map(([i, j, v]) => ({
          value: [i, j, v ?? '-'],
          itemStyle: best && best[0] === i && best[1] === j ? { borderColor: '#d62728', borderWidth: 3 } : undefined,
        })),
        label: { show: true, formatter: (p: { value: [number, number, number | string] }) => (typeof p.value[2] === 'number' ? p.value[2].toFixed(4) : '…') },
      },
    ],
  };
}

function distinct(values: unknown[]): string[] {
  const seen: string[] = [];
  for (const v of values) if (v !== undefined && !seen.includes(fmtParam(v))) seen.push(fmtParam(v));
  // Numbers sort numerically, anything else keeps grid order.
  return seen.every((s) => s !== '' && !Number.isNaN(Number(s))) ? seen.sort((a, b) => Number(a) - Number(b)) : seen;
}
