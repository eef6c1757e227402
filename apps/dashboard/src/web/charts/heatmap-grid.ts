import type { CvResults, HeatmapGrid } from '../api.js';
import { fmtParam } from '../dom.js';

// The heatmap's numbers, apart from its drawing: the page computes them from an inlined
// cv_results, and the API (GET /api/experiments/:id/heatmap, through this package's
// `./heatmap-grid` export) from one too large to send, so both draw the same squares.

/**
 * Most labels along one heatmap axis; an axis with more distinct values is binned. 16 keeps a
 * square's 4-decimal label legible in the page's 300-pixel-high chart.
 */
export const HEATMAP_BINS = 16;

/** Parameters that take more than one value across the grid, in cv_results order. */
export function gridAxes(cv: CvResults): string[] {
  const names = Object.keys(cv).filter((k) => k.startsWith('param_')).map((k) => k.slice(6));
  return names.filter((n) => new Set(cv.params.map((p) => fmtParam(p[n]))).size > 1);
}

/**
 * Mean test score over two parameters (x and y). Other parameters are held at the best cell's
 * values (the grid's rank-1 cell; the first cell's while none is known), so each square is one
 * grid cell, or, on an axis of more than `bins` values, the cells of one bin of consecutive
 * values, shown by their best mean (the highest, as `rank_test_score` ranks them).
 */
export function heatmapGrid(cv: CvResults, x: string, y: string, bestIndex: number | null, bins = HEATMAP_BINS): HeatmapGrid {
  const anchor = bestIndex ?? 0;
  const axes = gridAxes(cv);
  const others = axes.filter((n) => n !== x && n !== y);
  const held = others.map((o) => fmtParam(cv.params[anchor]?.[o]));
  const xAxis = binAxis(cv.params.map((p) => p[x]), bins);
  const yAxis = binAxis(cv.params.map((p) => p[y]), bins);
  const squares = new Map<number, [number, number, number | null]>();
  let best: [number, number] | null = null;
  cv.params.forEach((p, i) => {
    if (!(x in p) || !(y in p)) return;
    if (others.some((o, k) => fmtParam(p[o]) !== held[k])) return;
    const cell: [number, number] = [xAxis.bin.get(fmtParam(p[x]))!, yAxis.bin.get(fmtParam(p[y]))!];
    // NaN (a cell without a mean yet, before it travels as JSON null) counts as none.
    const v = cv.mean_test_score[i];
    const score = typeof v === 'number' && !Number.isNaN(v) ? v : null;
    const key = cell[0] * yAxis.labels.length + cell[1];
    const square = squares.get(key);
    if (!square) squares.set(key, [...cell, score]);
    else if (score !== null && (square[2] === null || score > square[2])) square[2] = score;
    if (i === bestIndex) best = cell;
  });
  return { x, y, axes, xs: xAxis.labels, ys: yAxis.labels, x_counts: xAxis.counts, y_counts: yAxis.counts, cells: [...squares.values()], best, anchor };
}

/**
 * An axis' labels: its distinct values (numbers sorted numerically, anything else in grid
 * order), or, past `bins` of them, `bins` runs of consecutive values of equal count (±1),
 * labelled `first–last`; and the label index of each value.
 */
function binAxis(values: unknown[], bins: number): { labels: string[]; counts: number[]; bin: Map<string, number> } {
  const seen = distinct(values);
  const n = Math.min(bins, seen.length);
  const firsts: string[] = [];
  const labels: string[] = [];
  const counts: number[] = [];
  const bin = new Map<string, number>();
  seen.forEach((v, r) => {
    const b = Math.floor((r * n) / seen.length);
    if (b === firsts.length) (firsts.push(v), counts.push(0));
    counts[b]++;
    labels[b] = counts[b] === 1 ? v : `${firsts[b]}–${v}`;
    bin.set(v, b);
  });
  return { labels, counts, bin };
}

function distinct(values: unknown[]): string[] {
  const seen = new Set<string>();
  for (const v of values) if (v !== undefined) seen.add(fmtParam(v));
  const out = [...seen];
  // Numbers sort numerically, anything else keeps grid order.
  return out.every((s) => s !== '' && !Number.isNaN(Number(s))) ? out.sort((a, b) => Number(a) - Number(b)) : out;
}
