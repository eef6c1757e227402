import type { ExperimentStatus, Progress } from './api.js';
import { h } from './dom.js';

/** A progress bar for tasks done of total; `data-percent` carries the rounded percentage. */
export function progressBar(p: Progress, status: ExperimentStatus): HTMLElement {
  const pct = p.total ? Math.round((100 * p.done) / p.total) : status === 'completed' ? 100 : 0;
  const fill = h('div', { class: `fill ${status}` });
  fill.style.width = `${pct}%`;
  return h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct, 'data-percent': pct, title: `${p.done} of ${p.total} tasks` }, fill, h('span', { class: 'label' }, `${pct} % · ${p.done}/${p.total}`));
}

/** A status as a coloured badge. */
export function statusBadge(status: ExperimentStatus): HTMLElement {
  return h('span', { class: `badge ${status}`, 'data-status': status }, status);
}

/** Milliseconds an experiment has run: to its end, or to now while it runs. */
export function elapsedMs(e: { started_at: number | null; finished_at: number | null; created_at: number }): number | null {
  if (!e.started_at) return e.finished_at ? e.finished_at - e.created_at : null;
  return (e.finished_at ?? Date.now()) - e.started_at;
}
