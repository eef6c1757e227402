import type { CvResults, LearningCurve } from '../api.js';
import { fmtParam } from '../dom.js';
import { axis, type ChartOption } from './echarts.js';
import { gridAxes } from './heatmap-grid.js';

/** ECharts' default palette: a cell's folds take its mean line's colour. */
const PALETTE = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc'];

/**
 * How the lines are drawn: a fold's faint (its opacity), a cell's mean and the best cell's mean
 * by width; a pruned trial's (a study's) dashed and fainter, ending at the step it was stopped at.
 */
export const LINE_STYLE = { foldOpacity: 0.35, mean: 2.5, best: 4, prunedDash: [6, 4], prunedOpacity: 0.6 } as const;

/**
 * A cell by the parameters that vary over the grid ("filters=8, learning_rate=0.01"); by all its
 * own when none vary. A study's rows are trials, whose floats all differ: "trial 3", and a
 * pruned one says where it was stopped.
 */
export function cellLabel(cv: CvResults | null, cell: number): string {
  const state = cv?.trial_state?.[cell];
  if (state) return state === 'pruned' ? `trial ${cell} (pruned at step ${cv!.pruned_step?.[cell] ?? '?'})` : `trial ${cell}`;
  const params = cv?.params[cell];
  if (!params) return `cell ${cell}`;
  const varying = gridAxes(cv);
  const names = varying.length ? varying.filter((n) => n in params) : Object.keys(params);
  return names.length ? names.map((n) => `${n}=${fmtParam(params[n])}`).join(', ') : `cell ${cell}`;
}

/** The mean over folds at every step any fold reported; a step's mean is over the folds that reached it. */
export function meanCurve(folds: LearningCurve[]): Array<[number, number]> {
  const sums = new Map<number, { sum: number; n: number }>();
  for (const f of folds) {
    f.steps.forEach((step, i) => {
      const s = sums.get(step) ?? { sum: 0, n: 0 };
      s.sum += f.values[i];
      s.n++;
      sums.set(step, s);
    });
  }
  return [...sums].sort(([a], [b]) => a - b).map(([step, s]) => [step, s.sum / s.n]);
}

/** The cell drawn as best: the finished search's best index, or while it runs the rank-1 cell of the partial cv_results. */
export function bestCell(cv: CvResults | null, bestIndex: number | null): number | null {
  if (bestIndex !== null) return bestIndex;
  if (!cv) return null;
  const i = cv.rank_test_score.findIndex((r, c) => r === 1 && cv.mean_test_score[c] !== null);
  return i < 0 ? null : i;
}

/**
 * Reports (an objective's `ctx.report`, a built-in's score per step) against their step: one
 * bold line per cell, the mean over the folds that reported (a lockstep trial's stored mean),
 * with each fold as a faint line of the same colour; the best cell's
 * line thickest and marked ★ in the legend, where cells are named by their parameters. Fold
 * lines share their cell's legend entry, so a click hides a cell whole.
 */
export function learningCurvesOption(curves: LearningCurve[], cv: CvResults | null, bestIndex: number | null): ChartOption {
  const best = bestCell(cv, bestIndex);
  const byCell = new Map<number, LearningCurve[]>();
  for (const c of curves) byCell.set(c.cell, [...(byCell.get(c.cell) ?? []), c]);
  const cells = [...byCell.keys()].sort((a, b) => a - b);
  const names = new Map(cells.map((cell) => [cell, `${cell === best ? '★ ' : ''}${cellLabel(cv, cell)}`]));
  const series: Array<Record<string, unknown>> = [];
  cells.forEach((cell, k) => {
    const color = PALETTE[k % PALETTE.length];
    const name = names.get(cell)!;
    const pruned = cv?.trial_state?.[cell] === 'pruned';
    const dash = pruned ? { type: [...LINE_STYLE.prunedDash] } : {};
    // The mean first: the legend draws a name's icon like its first series.
    // A pruned trial's mean ends where it was stopped (an earlier fold that ran its course still shows whole, faint).
    const stoppedAt = pruned ? cv?.pruned_step?.[cell] : null;
    // A study trial whose folds trained in lockstep carries the mean its pruner judged (fold 'mean'): drawn as it is.
    const judged = byCell.get(cell)!.find((c) => c.fold === 'mean');
    const folds = byCell.get(cell)!.filter((c) => c.fold !== 'mean');
    const mean = (judged ? judged.steps.map((s, i): [number, number] => [s, judged.values[i]]) : meanCurve(folds)).filter(([step]) => stoppedAt === null || stoppedAt === undefined || step <= stoppedAt);
    series.push({
      name,
      type: 'line',
      data: mean,
      showSymbol: mean.length <= 30,
      symbolSize: cell === best ? 7 : 5,
      color,
      lineStyle: { width: cell === best ? LINE_STYLE.best : LINE_STYLE.mean, ...dash, ...(pruned && { opacity: LINE_STYLE.prunedOpacity }) },
      z: cell === best ? 3 : 2,
    });
    for (const f of folds) {
      series.push({
        name,
        type: 'line',
        data: f.steps.map((s, i) => [s, f.values[i]]),
        showSymbol: false,
        silent: true,
        color,
        lineStyle: { width: 1, opacity: LINE_STYLE.foldOpacity, ...dash },
        emphasis: { disabled: true },
        z: 1,
      });
    }
  });
  return {
    legend: { top: 0, type: 'scroll', data: cells.map((c) => names.get(c)!) },
    grid: { left: 70, right: 30, top: 40, bottom: 55 },
    // The tooltip is HTML and cell names hold the spec's strings: escaped.
    tooltip: { trigger: 'item', formatter: (p: { seriesName: string; value: [number, number] }) => `${escapeHtml(p.seriesName)}<br>step ${p.value[0]}: mean ${p.value[1].toPrecision(5)}` },
    xAxis: axis('value', 'step', { minInterval: 1, scale: true }),
    yAxis: axis('value', 'reported value', { scale: true, nameGap: 45 }),
    series,
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
