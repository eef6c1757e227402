import type { CvResults, TaskRef } from './api.js';
import { fmtParam, fmtScore, h, replace } from './dom.js';

/** Bull Board's page of one job. */
export function jobUrl(queue: string, jobId: string): string {
  return `/admin/queues/queue/${encodeURIComponent(queue)}/${encodeURIComponent(jobId)}`;
}

/** One column of cv_results by name ([] when absent): names come from Object.keys, which the type cannot follow. */
function column(cv: CvResults, key: string): unknown[] {
  return (cv as unknown as Record<string, unknown[] | undefined>)[key] ?? [];
}

/** Column names of cv_results in pandas' `DataFrame(cv_results_)` order. */
export function cvColumns(cv: CvResults): string[] {
  const keys = Object.keys(cv);
  const splits = keys.filter((k) => /^split\d+_test_score$/.test(k)).sort((a, b) => parseInt(a.slice(5)) - parseInt(b.slice(5)));
  const params = keys.filter((k) => k.startsWith('param_'));
  const head = ['mean_fit_time', 'std_fit_time', 'mean_score_time', 'std_score_time'].filter((k) => k in cv);
  const tail = ['mean_test_score', 'std_test_score', 'rank_test_score'];
  const rest = keys.filter((k) => !head.includes(k) && !params.includes(k) && !splits.includes(k) && !tail.includes(k) && k !== 'params');
  return [...head, ...params, 'params', ...splits, ...tail, ...rest];
}

/** cv_results as CSV, one row per grid cell, the columns of `pd.DataFrame(cv_results_)`. */
export function cvResultsCsv(cv: CvResults): string {
  const cols = cvColumns(cv);
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const rows = cv.params.map((_, i) => cols.map((c) => cell(column(cv, c)[i])).join(','));
  return [cols.join(','), ...rows].join('\n') + '\n';
}

/**
 * The cv_results table: one row per grid cell, sortable by any column (click its header),
 * the best cell marked, and each fold's score linking to the Bull Board job that computed it.
 */
export class CvTable {
  readonly element = h('div', { class: 'table-wrap' });
  private sortKey = 'rank_test_score';
  private ascending = true;
  private last: { cv: CvResults; tasks: TaskRef[]; queue: string; best: number | null } | null = null;

  /** Redraws with new results (keeps the chosen sort). */
  update(cv: CvResults, tasks: TaskRef[], queue: string, best: number | null): void {
    this.last = { cv, tasks, queue, best };
    const params = Object.keys(cv).filter((k) => k.startsWith('param_'));
    const splits = cvColumns(cv).filter((k) => /^split\d+_test_score$/.test(k));
    const cols = ['rank_test_score', ...params, ...splits, 'mean_test_score', 'std_test_score', 'mean_fit_time', 'mean_score_time'].filter((k) => k in cv);
    const order = cv.params.map((_, i) => i).sort((a, b) => this.compare(cv, a, b));
    const taskOf = (cell: number, fold: number) => tasks.find((t) => t.fold === fold && t.cells.includes(cell));
    const header = h(
      'tr',
      {},
      ...cols.map((c) => {
        const th = h('th', { 'data-sort': c, class: c === this.sortKey ? (this.ascending ? 'sorted-asc' : 'sorted-desc') : undefined, title: 'sort' }, c.replace(/^param_/, '').replace(/_test_score$/, ''));
        th.addEventListener('click', () => this.sortBy(c));
        return th;
      }),
    );
    const body = order.map((i) => {
      const isBest = best === i || (best === null && cv.rank_test_score[i] === 1 && cv.mean_test_score[i] !== null);
      const cells = cols.map((c) => {
        const v = column(cv, c)[i];
        if (splits.includes(c)) {
          const fold = parseInt(c.slice(5));
          const t = taskOf(i, fold);
          const text = v === undefined || v === null ? '…' : fmtScore(v);
          return h('td', { class: 'num' }, t ? h('a', { href: jobUrl(queue, t.job_id), 'data-job': t.job_id, title: `task ${t.task}: job ${t.job_id}` }, text) : text);
        }
        if (c.startsWith('param_')) return h('td', {}, v === undefined ? '' : fmtParam(v));
        if (c === 'rank_test_score') return h('td', { class: 'num' }, isBest ? `★ ${v}` : String(v));
        return h('td', { class: 'num' }, c.includes('time') ? (typeof v === 'number' ? `${v.toFixed(3)} s` : '–') : fmtScore(v));
      });
      return h('tr', { class: isBest ? 'best' : undefined, 'data-cell': i }, ...cells);
    });
    replace(this.element, h('table', { class: 'cv-results' }, h('thead', {}, header), h('tbody', {}, ...body)));
  }

  private sortBy(key: string): void {
    this.ascending = key === this.sortKey ? !this.ascending : key === 'rank_test_score' || key.startsWith('param_');
    this.sortKey = key;
    if (this.last) this.update(this.last.cv, this.last.tasks, this.last.queue, this.last.best);
  }

  private compare(cv: CvResults, a: number, b: number): number {
    const col = column(cv, this.sortKey);
    const va = col[a];
    const vb = col[b];
    // Missing values (cells not done yet) sort last either way.
    if (va === null || va === undefined) return vb === null || vb === undefined ? a - b : 1;
    if (vb === null || vb === undefined) return -1;
    const d = typeof va === 'number' && typeof vb === 'number' ? va - vb : fmtParam(va).localeCompare(fmtParam(vb));
    return (this.ascending ? d : -d) || a - b;
  }
}
