import { BarChart, HeatmapChart, LineChart, ParallelChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, MarkPointComponent, ParallelComponent, TitleComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { h } from '../dom.js';

// Only what the dashboard draws, so the bundle stays small. The SVG renderer keeps axis names
// and labels as DOM text (readable by tests and screen readers) and screenshots crisp.
echarts.use([LineChart, HeatmapChart, ScatterChart, BarChart, ParallelChart, ParallelComponent, GridComponent, TooltipComponent, VisualMapComponent, TitleComponent, LegendComponent, MarkLineComponent, MarkPointComponent, SVGRenderer]);

/** The option type charts are built from. */
export type ChartOption = echarts.EChartsCoreOption;

const live = new Set<echarts.ECharts>();
window.addEventListener('resize', () => live.forEach((c) => c.resize()));

/**
 * A chart in a titled figure. `name` becomes `data-chart` on the container so a page (or a
 * test) can find it; `update` replaces the option, `dispose` frees the chart.
 */
export interface Chart {
  figure: HTMLElement;
  update(option: ChartOption): void;
  dispose(): void;
}

/** Creates a chart of `height` pixels; call `update` once it is in the document. */
export function createChart(name: string, title: string, height = 320): Chart {
  const box = h('div', { class: 'chart', 'data-chart': name });
  box.style.height = `${height}px`;
  const figure = h('figure', { class: 'figure' }, h('figcaption', {}, title), box);
  let chart: echarts.ECharts | undefined;
  return {
    figure,
    update(option) {
      chart ??= echarts.init(box, undefined, { renderer: 'svg' });
      live.add(chart);
      chart.setOption({ animation: false, ...option }, { notMerge: true });
    },
    dispose() {
      if (chart) live.delete(chart), chart.dispose();
    },
  };
}

/** Axis defaults: a name in the middle of the axis, padded off the tick labels. */
export function axis(type: 'value' | 'category', name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type, name, nameLocation: 'middle', nameGap: 32, ...extra };
}
