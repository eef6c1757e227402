import { api, type CvResults, type CvResultsPage, type TaskRef } from './api.js';
import { fmtParam, fmtScore, h, replace } from './dom.js';
import { VirtualRows, type RowSource } from './virtual-rows.js';

/** Tables of up to this many rows are drawn whole; longer ones draw only the rows in view. */
const WHOLE_ROWS = 200;
/** Rows per request when the API pages cv_results (GET /api/experiments/:id/cv_results). */
const PAGE_ROWS = 200;

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
 * Every row of a cv_results the API does not inline, read by pages of 1,000 and put back in row
 * (cell) order, for the CSV download.
 */
export async function fetchAllRows(id: string, rows: number): Promise<CvResults> {
  const out: Record<string, unknown[]> = {};
  for (let offset = 0; offset < rows; offset += 1000) {
    const page = await api<CvResultsPage>(`/api/experiments/${encodeURIComponent(id)}/cv_results?offset=${offset}&limit=1000`);
    if (!page.cv_results) break;
    for (const [k, values] of Object.entries(page.cv_results as unknown as Record<string, unknown[]>)) {
      out[k] ??= new Array(page.rows).fill(null);
      page.index.forEach((cell, i) => (out[k][cell] = values[i]));
    }
  }
  return out as unknown as CvResults;
}

/** What a row is drawn from: its cell, its value in each column, and the task that fitted a fold. */
interface RowData {
  cell: number;
  value: (column: string) => unknown;
  task: (fold: number) => TaskRef | undefined;
}

/**
 * The cv_results table: one row per grid cell, sortable by any column (click its header),
 * the best cell marked, and each fold's score linking to the Bull Board job that computed it.
 * Past {@link WHOLE_ROWS} rows only the rows in view are drawn; a sweep too large for the API
 * to inline is read by pages, sorted by the API ({@link updatePaged}).
 */
export class CvTable {
  readonly element = h('div', {});
  private sortKey = 'rank_test_score';
  private ascending = true;
  private readonly virtual = new VirtualRows();
  private rerender: (() => void) | null = null;
  private paged: PagedRows | null = null;

  /** Redraws with new results (keeps the chosen sort). */
  update(cv: CvResults, tasks: TaskRef[], queue: string, best: number | null): void {
    this.paged = null;
    this.rerender = () => this.update(cv, tasks, queue, best);
    const order = cv.params.map((_, i) => i).sort((a, b) => this.compare(cv, a, b));
    const row = (i: number): RowData => ({ cell: i, value: (c) => column(cv, c)[i], task: (fold) => tasks.find((t) => t.fold === fold && t.cells.includes(i)) });
    const cols = this.columns(cv);
    const draw = (k: number) => this.row(cols, row(order[k]), queue, best);
    if (order.length <= WHOLE_ROWS) {
      replace(this.element, h('table', { class: 'cv-results' }, this.header(cols), h('tbody', {}, ...order.map((_, k) => draw(k)))));
      return;
    }
    this.showVirtual(cols, { total: order.length, row: draw, want: () => {} });
  }

  /**
   * Shows `rows` rows of experiment `id` read by pages from the API, which sorts them; the pages
   * in view are read again on each call (the sweep moved on).
   */
  updatePaged(id: string, rows: number, queue: string, best: number | null): void {
    const key = `${id}|${this.sortKey}|${this.ascending}`;
    this.rerender = () => this.updatePaged(id, rows, queue, best);
    if (this.paged?.key === key) {
      this.paged.refresh(rows, best);
      return;
    }
    const paged = new PagedRows(key, `/api/experiments/${encodeURIComponent(id)}/cv_results?sort=${encodeURIComponent(this.sortKey)}&order=${this.ascending ? 'asc' : 'desc'}`, rows, best);
    this.paged = paged;
    paged.first.then((page) => {
      if (this.paged !== paged || !page.cv_results) return;
      const cols = this.columns(page.cv_results);
      paged.draw = (data) => this.row(cols, data, queue, paged.best);
      paged.onData = () => this.virtual.redraw();
      this.showVirtual(cols, paged);
    }, () => undefined);
  }

  /** Settles once the paged table's first page is drawn (or failed); at once for an inlined table. */
  firstPage(): Promise<void> {
    return this.paged ? this.paged.first.then(() => undefined, () => undefined) : Promise.resolve();
  }

  private showVirtual(cols: string[], source: RowSource): void {
    replace(this.element, this.virtual.box);
    this.virtual.show(h('table', { class: 'cv-results virtual' }, this.header(cols)), source);
  }

  private columns(cv: CvResults): string[] {
    const params = Object.keys(cv).filter((k) => k.startsWith('param_'));
    const splits = cvColumns(cv).filter((k) => /^split\d+_test_score$/.test(k));
    return ['rank_test_score', ...params, ...splits, 'mean_test_score', 'std_test_score', 'mean_fit_time', 'mean_score_time'].filter((k) => k in cv);
  }

  private header(cols: string[]): HTMLElement {
    return h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...cols.map((c) => {
          const th = h('th', { 'data-sort': c, class: c === this.sortKey ? (this.ascending ? 'sorted-asc' : 'sorted-desc') : undefined, title: 'sort' }, c.replace(/^param_/, '').replace(/_test_score$/, ''));
          th.addEventListener('click', () => this.sortBy(c));
          return th;
        }),
      ),
    );
  }

  private row(cols: string[], r: RowData, queue: string, best: number | null): HTMLTableRowElement {
    const isBest = best === r.cell || (best === null && r.value('rank_test_score') === 1 && r.value('mean_test_score') !== null);
    const cells = cols.map((c) => {
      const v = r.value(c);
      if (/^split\d+_test_score$/.test(c)) {
        const t = r.task(parseInt(c.slice(5)));
        const text = v === undefined || v === null ? '…' : fmtScore(v);
        return h('td', { class: 'num' }, t ? h('a', { href: jobUrl(queue, t.job_id), 'data-job': t.job_id, title: `task ${t.task}: job ${t.job_id}` }, text) : text);
      }
      if (c.startsWith('param_')) return h('td', {}, v === undefined ? '' : fmtParam(v));
      if (c === 'rank_test_score') return h('td', { class: 'num' }, isBest ? `★ ${v}` : String(v));
      return h('td', { class: 'num' }, c.includes('time') ? (typeof v === 'number' ? `${v.toFixed(3)} s` : '–') : fmtScore(v));
    });
    return h('tr', { class: isBest ? 'best' : undefined, 'data-cell': r.cell }, ...cells);
  }

  private sortBy(key: string): void {
    this.ascending = key === this.sortKey ? !this.ascending : key === 'rank_test_score' || key.startsWith('param_');
    this.sortKey = key;
    // A new order starts from its first row.
    this.virtual.box.scrollTop = 0;
    this.rerender?.();
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

/** Rows read from the API a page at a time, as they come into view; pages read again after {@link refresh}. */
class PagedRows implements RowSource {
  private readonly pages = new Map<number, { page: CvResultsPage; stale: boolean }>();
  private readonly loading = new Set<number>();
  /** The first page (its columns make the header). */
  readonly first: Promise<CvResultsPage>;
  draw: (row: RowData) => HTMLTableRowElement = () => h('tr', {});
  onData: () => void = () => {};

  constructor(
    readonly key: string,
    private readonly url: string,
    public total: number,
    public best: number | null,
  ) {
    this.first = this.load(0);
  }

  /** The sweep moved on: the rows in view are read again (shown as they were meanwhile). */
  refresh(total: number, best: number | null): void {
    this.total = total;
    this.best = best;
    for (const p of this.pages.values()) p.stale = true;
    this.onData();
  }

  row(k: number): HTMLTableRowElement | undefined {
    const got = this.pages.get(Math.floor(k / PAGE_ROWS));
    const at = k % PAGE_ROWS;
    if (!got || !got.page.cv_results || at >= got.page.index.length) return undefined;
    const { page } = got;
    const cv = page.cv_results!;
    const cell = page.index[at];
    return this.draw({ cell, value: (c) => column(cv, c)[at], task: (fold) => page.tasks.find((t) => t.fold === fold && t.cells.includes(cell)) });
  }

  want(from: number, to: number): void {
    for (let p = Math.floor(from / PAGE_ROWS); p * PAGE_ROWS < to; p++) {
      const got = this.pages.get(p);
      if ((!got || got.stale) && !this.loading.has(p)) void this.load(p).catch(() => undefined);
    }
  }

  private async load(p: number): Promise<CvResultsPage> {
    this.loading.add(p);
    try {
      const page = await api<CvResultsPage>(`${this.url}&offset=${p * PAGE_ROWS}&limit=${PAGE_ROWS}`);
      this.pages.set(p, { page, stale: false });
      this.total = page.rows;
      this.onData();
      return page;
    } finally {
      this.loading.delete(p);
    }
  }
}
