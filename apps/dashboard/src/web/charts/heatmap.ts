import type { HeatmapGrid } from '../api.js';
import { axis, type ChartOption } from './echarts.js';

/** The squares of `heatmapGrid` (charts/heatmap-grid.ts, computed in the page or by the API) as an ECharts heatmap; the best cell's square outlined in red. */
export function heatmapOption(grid: HeatmapGrid): ChartOption {
  const { x, y, best } = grid;
  const values = grid.cells.map((d) => d[2]).filter((v): v is number => v !== null);
  const min = values.length ? Math.min(...values) : 0;
  const max = values.length ? Math.max(...values) : 1;
  return {
    tooltip: { position: 'top' },
    grid: { left: 90, right: 120, top: 20, bottom: 60 },
    xAxis: axis('category', x, { data: grid.xs, splitArea: { show: true } }),
    yAxis: axis('category', y, { data: grid.ys, splitArea: { show: true }, nameGap: 60 }),
    visualMap: { min, max: max > min ? max : min + 1e-9, calculable: true, orient: 'vertical', right: 10, top: 'center', precision: 4, inRange: { color: ['#f7fbff', '#6baed6', '#08306b'] } },
    series: [
      {
        name: 'mean_test_score',
        type: 'heatmap',
        data: grid.cells.map(([i, j, v]) => ({
          value: [i, j, v ?? '-'],
          itemStyle: best && best[0] === i && best[1] === j ? { borderColor: '#d62728', borderWidth: 3 } : undefined,
        })),
        label: { show: true, formatter: (p: { value: [number, number, number | string] }) => (typeof p.value[2] === 'number' ? p.value[2].toFixed(4) : '…') },
      },
    ],
  };
}
