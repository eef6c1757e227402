import type { CvResults } from './api.js';
import { REFERENCE_COLORS, type BenchReference, type BenchResult } from './bench-record.js';
import { createChart } from './charts/echarts.js';
import { historyOption, referencesOption, type HistoryReference } from './charts/study.js';
import { h, replace } from './dom.js';

const files = import.meta.glob<{ default: BenchResult }>('../../../../bench/results/*.json', { eager: true });
/** The recorded benchmarks by name. */
export const BENCHES: ReadonlyMap<string, BenchResult> = new Map(Object.values(files).map((f) => [f.default.name, f.default]));

function references(refs: BenchReference[]): HistoryReference[] {
  return refs.map((r, i) => ({ name: r.name, color: REFERENCE_COLORS[i % REFERENCE_COLORS.length], points: r.points, lineType: r.kind === 'constant' ? 'dotted' : 'dashed' }));
}

/** `/bench` (the list) or `/bench/:name` (one benchmark's charts). Returns a stop function. */
export function benchPage(root: HTMLElement, name: string | null): () => void {
  if (name === null) {
    const items = [...BENCHES.values()].map((b) => h('li', {}, h('a', { href: `/bench/${encodeURIComponent(b.name)}`, 'data-nav': true }, b.title), ` (${b.date})`));
    replace(root, h('section', {}, h('h1', {}, 'Benchmarks'), h('p', { class: 'muted' }, 'Searches compared by the benches in bench/, as recorded by their last run (bench/results/).'), h('ul', { id: 'benches' }, ...items)));
    return () => {};
  }
  const b = BENCHES.get(name);
  if (!b) {
    replace(root, h('h1', {}, 'Benchmark'), h('p', { class: 'error' }, `No recorded benchmark named "${name}"; recorded: ${[...BENCHES.keys()].join(', ') || 'none'}.`));
    return () => {};
  }
  const history = createChart('history', `Best so far by trial: ${b.study.label} (dots, triangles, red), means over seeds (dashed, band ± 1 s.e.), grid best (dotted)`, 380);
  // Only a bench whose trials spend epochs (objective 3's, pruned) records searches by epochs.
  const epochs = b.by_epochs.length > 0 ? createChart('history-epochs', 'Best so far by epochs spent: means over seeds (band ± 1 s.e.), grid best (dotted)', 340) : null;
  const states = b.study.cv.trial_state ?? [];
  const count = (s: string) => states.filter((t) => t === s).length;
  // The score axis starts a little below the lowest complete trial or mean: trials pruned after one
  // bad epoch (far lower) would squeeze the lines the page is about into a few pixels.
  const cv = b.study.cv;
  const floor = Math.min(...cv.mean_test_score.filter((v): v is number => v !== null), ...b.by_trial.flatMap((r) => r.points.map((p) => p[1] - (p[2] ?? 0))));
  const yMin = Math.floor((floor - 0.01) * 100) / 100;
  const below = states.filter((s, i) => s === 'pruned' && (cv.pruned_value?.[i] ?? Infinity) < yMin).length;
  replace(
    root,
    h('h1', {}, b.title),
    h('p', { class: 'meta' }, `Recorded ${b.date} by `, h('code', {}, b.command)),
    h('p', {}, b.description),
    h('section', { id: 'bench-summary' }, ...b.summary.map((line) => h('p', {}, line))),
    h('section', { id: 'optimisation-history' }, h('h2', {}, 'Optimisation history'), h('p', { class: 'muted', id: 'history-note' }, `${b.study.label}: ${count('complete')} complete, ${count('pruned')} pruned${below ? ` (${below} of them pruned below ${yMin}, off the chart)` : ''}.`), history.figure),
    epochs && h('section', { id: 'by-epochs' }, h('h2', {}, 'Best so far by epochs'), epochs.figure),
  );
  history.update(historyOption(cv as CvResults, references(b.by_trial), { yMin }));
  epochs?.update(referencesOption(references(b.by_epochs), 'epochs spent', b.markers));
  return () => {
    history.dispose();
    epochs?.dispose();
  };
}
