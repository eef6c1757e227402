import { api, subscribe, type ExperimentListEvent, type ExperimentListItem } from './api.js';
import { fmtDuration, fmtScore, fmtTime, h, replace } from './dom.js';
import { errorView, launchForm } from './launch-form.js';
import { elapsedMs, progressBar, statusBadge } from './progress-bar.js';

/**
 * The experiment list, live from the `experiments` server-sent events of GET /api/events, and
 * the launch form. Returns a function that stops the stream and timers.
 */
export function listPage(root: HTMLElement, navigate: (path: string) => void): () => void {
  const tbody = h('tbody', {}, h('tr', {}, h('td', { colspan: 7 }, 'Loading…')));
  const state = h('span', { class: 'live-state' });
  const messages = h('div', { class: 'messages' });
  const table = h(
    'table',
    { class: 'experiments', id: 'experiments' },
    h('thead', {}, h('tr', {}, ...['name', 'status', 'progress', 'started', 'duration', 'best score', ''].map((c) => h('th', {}, c)))),
    tbody,
  );
  replace(root, h('section', {}, h('h1', {}, 'Experiments ', state), messages, h('div', { class: 'table-wrap' }, table)), launchForm((id) => navigate(`/experiments/${id}`)));

  let items: ExperimentListItem[] = [];
  const render = () => {
    if (!items.length) return replace(tbody, h('tr', {}, h('td', { colspan: 7 }, 'No experiments yet: launch one below.')));
    replace(
      tbody,
      ...items.map((e) => {
        const link = h('a', { href: `/experiments/${e.id}`, 'data-nav': true }, e.name);
        const cancel = e.status === 'queued' || e.status === 'running' ? h('button', { class: 'small', 'data-cancel': e.id }, 'Cancel') : null;
        cancel?.addEventListener('click', () => void api(`/api/experiments/${e.id}`, { method: 'DELETE' }).catch((err) => replace(messages, ...errorView(err))));
        return h(
          'tr',
          { 'data-id': e.id, 'data-status': e.status },
          h('td', {}, link, e.error ? h('div', { class: 'muted' }, e.error) : null),
          h('td', {}, statusBadge(e.status)),
          h('td', {}, progressBar(e.progress, e.status)),
          h('td', {}, fmtTime(e.started_at)),
          h('td', { class: 'num' }, fmtDuration(elapsedMs(e))),
          h('td', { class: 'num' }, fmtScore(e.best_score)),
          h('td', {}, cancel),
        );
      }),
    );
  };
  const stop = subscribe(
    '/api/events',
    { experiments: (data: ExperimentListEvent) => ((items = data.experiments), render()) },
    (s) => {
      state.textContent = s === 'open' ? '● live' : s === 'reconnecting' ? '○ reconnecting' : '○ disconnected';
      // The stream closes for good only when the API refuses it (e.g. 401 without the token); say why.
      if (s === 'open') replace(messages);
      if (s === 'closed') void api('/api/experiments').catch((err) => replace(messages, ...errorView(err)));
    },
  );
  // Durations of running experiments tick between events.
  const timer = setInterval(() => items.some((e) => e.status === 'running') && render(), 1000);
  return () => (stop(), clearInterval(timer));
}
