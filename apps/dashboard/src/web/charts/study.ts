import type { CvResults } from '../api.js';
import { fmtParam } from '../dom.js';
import { axis, type ChartOption } from './echarts.js';

/**
 * The charts of a TPE study (search.kind "tpe"): optimisation history, parallel coordinates and
 * parameter importance, from its cv_results (rows are trials in trial order, with
 * `trial_state`, `pruned_step` and `pruned_value`); partial while it runs, so they redraw live.
 */

/** How the history draws trials: complete as dots, pruned as hollow triangles at their last reported value. */
export const HISTORY_STYLE = { complete: { symbol: 'circle', size: 8, color: '#5470c6' }, pruned: { symbol: 'triangle', size: 10, color: '#9ca3af' }, best: '#d62728' } as const;
/** Parallel coordinates: a complete trial's line, and the best trial's (wider, red). */
export const PARALLEL_STYLE = { width: 1.5, opacity: 0.6, bestWidth: 3.5 } as const;

/** One dimension of a study's space as the spec gives it: `{float: [lo, hi], log?}`, `{int: [lo, hi], log?}` or a list of choices. */
export type SpaceEntry = { float: [number, number]; log?: boolean } | { int: [number, number]; log?: boolean; step?: number } | Array<string | number | boolean | null>;
export type ParamSpace = Record<string, SpaceEntry>;

/** Whether the cv_results are a study's (each row a trial with its state). */
export function isStudy(cv: CvResults | null | undefined): cv is CvResults & { trial_state: string[] } {
  return !!cv && Array.isArray(cv.trial_state);
}

/** The parameters a study searches: its param_space's, else those cv_results names. */
export function studyParams(cv: CvResults, space: ParamSpace | undefined): string[] {
  return space ? Object.keys(space) : Object.keys(cv).filter((k) => k.startsWith('param_')).map((k) => k.slice(6));
}

/** Trial numbers by state (row i is trial i). */
function trialsIn(cv: CvResults, state: string): number[] {
  return (cv.trial_state ?? []).flatMap((s, i) => (s === state ? [i] : []));
}

/**
 * Optimisation history: the mean test score of every complete trial against its number, every
 * pruned trial at the value of the report it was stopped at (hollow grey triangles: an
 * intermediate value, not a final score), and the best score so far as a red step line over
 * every trial ended. Failed trials have no score and are not drawn (the caption counts them).
 * `references` are drawn over it (see HistoryReference); `view.yMin` cuts the score axis there
 * (marks below it are off the chart: say so in the caption).
 */
export function historyOption(cv: CvResults, references: HistoryReference[] = [], view: { yMin?: number } = {}): ChartOption {
  const states = cv.trial_state ?? [];
  const complete = trialsIn(cv, 'complete').filter((i) => cv.mean_test_score[i] !== null).map((i) => [i, cv.mean_test_score[i]!]);
  const pruned = trialsIn(cv, 'pruned').filter((i) => cv.pruned_value?.[i] != null).map((i) => [i, cv.pruned_value![i]!, cv.pruned_step?.[i] ?? null]);
  const best: Array<[number, number]> = [];
  let top: number | null = null;
  states.forEach((s, i) => {
    if (s === 'running') return;
    const m = cv.mean_test_score[i];
    if (s === 'complete' && m !== null && (top === null || m > top)) top = m;
    if (top !== null) best.push([i, top]);
  });
  const { complete: c, pruned: p } = HISTORY_STYLE;
  return {
    legend: { top: 0, data: ['complete', 'pruned (last reported value)', 'best so far', ...references.map((r) => r.name)] },
    grid: { left: 70, right: 30, top: 40 + 22 * Math.ceil(references.length / 2), bottom: 55 },
    tooltip: {
      trigger: 'item',
      formatter: (x: { seriesName: string; value: [number, number, number | null] }) =>
        references.some((r) => r.name === x.seriesName)
          ? referenceTooltip(x.seriesName, x.value, 'trial')
          : x.seriesName === 'best so far' ? `best so far after trial ${x.value[0]}: ${x.value[1].toPrecision(5)}` : x.seriesName === 'complete' ? `trial ${x.value[0]}: ${x.value[1].toPrecision(5)}` : `trial ${x.value[0]} pruned at step ${x.value[2]}: ${x.value[1].toPrecision(5)}`,
    },
    xAxis: axis('value', 'trial', { minInterval: 1, min: 0, max: Math.max(1, states.length - 1, ...references.flatMap((r) => r.points.map((pt) => pt[0]))) }),
    yAxis: axis('value', 'score', { scale: true, nameGap: 45, ...(view.yMin !== undefined && { min: view.yMin }) }),
    series: [
      { name: 'complete', type: 'scatter', data: complete, symbol: c.symbol, symbolSize: c.size, itemStyle: { color: c.color }, z: 3 },
      { name: 'pruned (last reported value)', type: 'scatter', data: pruned, symbol: p.symbol, symbolSize: p.size, itemStyle: { color: 'transparent', borderColor: p.color, borderWidth: 1.5 }, z: 2 },
      { name: 'best so far', type: 'line', step: 'end', data: best, showSymbol: false, color: HISTORY_STYLE.best, lineStyle: { width: 2 }, z: 4 },
      ...referenceSeries(references),
    ],
  };
}

/**
 * A series drawn over a history for comparison, not a trial of this study: e.g. a benchmark's
 * mean best-so-far over seeds of another search, or a grid's best score. Points are [x, mean,
 * standard error or null]; with standard errors the line carries a band of ± one of them.
 */
export interface HistoryReference {
  name: string;
  color: string;
  points: Array<[number, number, number | null]>;
  /** ECharts' line type: "dashed" for a mean over seeds, "dotted" for a constant such as a grid's best. @defaultValue "dashed" */
  lineType?: 'solid' | 'dashed' | 'dotted';
}

/** How reference lines are drawn: 2 wide, a ± 1 s.e. band at this opacity. */
export const REFERENCE_STYLE = { width: 2, bandOpacity: 0.15 } as const;

function referenceTooltip(name: string, value: [number, number, number | null], x: string): string {
  return `${name}, ${x} ${value[0]}: ${value[1].toPrecision(5)}${value[2] != null ? ` ± ${value[2].toPrecision(2)} (s.e.)` : ''}`;
}

/** Each reference as a step line (best so far only changes at a trial), and its band as two stacked lines (the lower invisible, the width filled). */
function referenceSeries(references: HistoryReference[]): object[] {
  return references.flatMap((r, i) => {
    const withSe = r.points.filter((pt) => pt[2] != null);
    const band = withSe.length
      ? [
          { name: r.name, type: 'line', step: 'end', stack: `band-${i}`, data: withSe.map((pt) => [pt[0], pt[1] - pt[2]!]), showSymbol: false, lineStyle: { opacity: 0 }, silent: true, tooltip: { show: false }, z: 1 },
          { name: r.name, type: 'line', step: 'end', stack: `band-${i}`, data: withSe.map((pt) => [pt[0], 2 * pt[2]!]), showSymbol: false, lineStyle: { opacity: 0 }, areaStyle: { color: r.color, opacity: REFERENCE_STYLE.bandOpacity }, silent: true, tooltip: { show: false }, z: 1 },
        ]
      : [];
    return [{ name: r.name, type: 'line', step: 'end', data: r.points, showSymbol: false, color: r.color, lineStyle: { width: REFERENCE_STYLE.width, type: r.lineType ?? 'dashed' }, z: 2 }, ...band];
  });
}

/**
 * Reference lines alone against another x (e.g. a benchmark's best so far by epochs spent), with
 * optional vertical markers (e.g. a budget).
 */
export function referencesOption(references: HistoryReference[], xName: string, markers: Array<{ x: number; label: string }> = []): ChartOption {
  const series = referenceSeries(references) as Array<Record<string, unknown>>;
  if (markers.length && series.length) series[0] = { ...series[0], markLine: { symbol: 'none', silent: true, lineStyle: { color: '#374151', type: 'solid', width: 1 }, label: { formatter: (m: { name: string }) => m.name, position: 'insideEndTop' }, data: markers.map((m) => ({ name: m.label, xAxis: m.x })) } };
  return {
    legend: { top: 0, data: references.map((r) => r.name) },
    grid: { left: 70, right: 30, top: 18 + 22 * Math.ceil(references.length / 2), bottom: 55 },
    tooltip: { trigger: 'item', formatter: (x: { seriesName: string; value: [number, number, number | null] }) => referenceTooltip(x.seriesName, x.value, xName) },
    xAxis: axis('value', xName, { min: 0 }),
    yAxis: axis('value', 'score', { scale: true, nameGap: 45 }),
    series,
  };
}

/**
 * Parallel coordinates: an axis per parameter (log-scaled when the space says `log`, the
 * choices of a categorical one in the spec's order) and the mean test score last; one line per
 * complete trial, coloured by its score, the best trial's wider and red.
 */
export function parallelOption(cv: CvResults, space: ParamSpace | undefined, bestIndex: number | null): ChartOption {
  const names = studyParams(cv, space);
  const rows = trialsIn(cv, 'complete').filter((i) => cv.mean_test_score[i] !== null);
  const best = bestIndex ?? (rows.length ? rows.reduce((a, b) => (cv.mean_test_score[b]! > cv.mean_test_score[a]! ? b : a)) : null);
  const axes = names.map((n, dim) => {
    const s = space?.[n];
    const values = cv.params.map((p) => p[n]).filter((v) => v !== undefined);
    if (Array.isArray(s) || values.some((v) => typeof v !== 'number')) {
      const choices = Array.isArray(s) ? s.map(fmtParam) : [...new Set(values.map(fmtParam))];
      return { dim, name: n, type: 'category', data: choices };
    }
    const range = s && 'float' in s ? s.float : s && 'int' in s ? s.int : null;
    const log = !!(s && !Array.isArray(s) && s.log);
    return { dim, name: n, type: log ? 'log' : 'value', ...(range && { min: range[0], max: range[1] }), ...(s && 'int' in s && { minInterval: 1 }) };
  });
  const scores = rows.map((i) => cv.mean_test_score[i]!);
  const lo = scores.length ? Math.min(...scores) : 0;
  const hi = scores.length ? Math.max(...scores) : 1;
  const value = (p: Record<string, unknown>, n: string, dim: number) => (axes[dim].type === 'category' ? fmtParam(p[n]) : p[n]);
  const line = (i: number) => ({ value: [...names.map((n, d) => value(cv.params[i], n, d)), cv.mean_test_score[i]], trial: i });
  return {
    parallelAxis: [...axes, { dim: names.length, name: 'score', type: 'value', scale: true }],
    parallel: { left: 60, right: 90, top: 40, bottom: 30, parallelAxisDefault: { nameLocation: 'end', nameGap: 14, nameTextStyle: { fontSize: 12 } } },
    visualMap: { type: 'continuous', dimension: names.length, min: lo, max: hi > lo ? hi : lo + 1e-9, right: 5, top: 'center', itemHeight: 120, precision: 3, seriesIndex: 0, inRange: { color: ['#c6dbef', '#6baed6', '#08306b'] }, text: ['score', ''] },
    tooltip: { trigger: 'item', formatter: (x: { data: { trial: number; value: unknown[] } }) => `trial ${x.data.trial}: score ${Number(x.data.value.at(-1)).toPrecision(5)}` },
    series: [
      { name: 'trials', type: 'parallel', data: rows.filter((i) => i !== best).map(line), lineStyle: { width: PARALLEL_STYLE.width, opacity: PARALLEL_STYLE.opacity }, z: 1 },
      { name: 'best', type: 'parallel', data: best === null || !rows.includes(best) ? [] : [line(best)], lineStyle: { width: PARALLEL_STYLE.bestWidth, opacity: 1, color: HISTORY_STYLE.best }, z: 2 },
    ],
  };
}

/**
 * Parameter importance: for each parameter, the share of the variance of the complete trials'
 * scores that the parameter explains on its own, the score's correlation ratio on the parameter
 * grouped into bins (a categorical one by its choices; a numeric one into k equal-count bins by
 * rank, k = clamp(√n, 2, 5), so a log scale changes nothing), adjusted for chance as Kelley's
 * ε² = (SS_between − (k−1)·MS_within) / SS_total, floored at 0: k bins of pure noise explain
 * about (k−1)/(n−1) of the variance, which plain η² would show as importance. This is the main
 * effect of each parameter in the functional ANOVA that Optuna's default (fANOVA) estimates
 * through a random-forest surrogate, taken directly from the observed trials instead: cheap
 * enough to recompute on every live update, deterministic, and with no surrogate to go wrong on
 * a few dozen trials. What it does not see: interactions, and the bias of TPE's sampling (trials
 * crowd into the good region, so a parameter already settled there looks less important).
 * null while fewer than 4 trials are complete.
 */
export function paramImportance(cv: CvResults, space: ParamSpace | undefined): Array<{ name: string; importance: number }> | null {
  const rows = trialsIn(cv, 'complete').filter((i) => cv.mean_test_score[i] !== null);
  const n = rows.length;
  if (n < 4) return null;
  const y = rows.map((i) => cv.mean_test_score[i]!);
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const ssTotal = y.reduce((a, v) => a + (v - mean) ** 2, 0);
  return studyParams(cv, space).map((name) => {
    const xs = rows.map((i) => cv.params[i][name]);
    const groups = new Map<string | number, number[]>();
    if (xs.every((v) => typeof v === 'number') && new Set(xs).size > 5) {
      const k = Math.max(2, Math.min(5, Math.floor(Math.sqrt(n))));
      const order = xs.map((v, j) => [v as number, j] as const).sort((a, b) => a[0] - b[0]);
      order.forEach(([, j], r) => groups.set(Math.floor((r * k) / n), [...(groups.get(Math.floor((r * k) / n)) ?? []), y[j]]));
    } else {
      xs.forEach((v, j) => groups.set(fmtParam(v), [...(groups.get(fmtParam(v)) ?? []), y[j]]));
    }
    const k = groups.size;
    if (k < 2 || ssTotal <= 0 || n <= k) return { name, importance: 0 };
    let ssBetween = 0;
    for (const g of groups.values()) ssBetween += g.length * (g.reduce((a, b) => a + b, 0) / g.length - mean) ** 2;
    const msWithin = (ssTotal - ssBetween) / (n - k);
    return { name, importance: Math.max(0, (ssBetween - (k - 1) * msWithin) / ssTotal) };
  });
}

/** Parameter importance as horizontal bars, most important on top. */
export function importanceOption(importance: Array<{ name: string; importance: number }>): ChartOption {
  const sorted = [...importance].sort((a, b) => a.importance - b.importance);
  return {
    grid: { left: 110, right: 60, top: 10, bottom: 50 },
    tooltip: { trigger: 'item', formatter: (x: { name: string; value: number }) => `${x.name}: explains ${(x.value * 100).toFixed(1)} % of the score's variance alone` },
    xAxis: axis('value', 'share of score variance explained (ε²)', { min: 0, max: 1 }),
    yAxis: { type: 'category', data: sorted.map((d) => d.name) },
    series: [{ name: 'importance', type: 'bar', data: sorted.map((d) => d.importance), itemStyle: { color: '#5470c6' }, barMaxWidth: 28, label: { show: true, position: 'right', formatter: (x: { value: number }) => x.value.toFixed(2) } }],
  };
}
