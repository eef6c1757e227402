import type { CvResults, CvSortOrder } from '@gridfold/queue';

/** Rows per page of GET /api/experiments/:id/cv_results: the default and the largest allowed. */
export const CV_PAGE_LIMIT = { default: 100, max: 1000 } as const;

/** A page request, checked. */
export interface CvPageQuery {
  offset: number;
  limit: number;
  sort: string;
  order: CvSortOrder;
}

/** One bad query parameter: its path (`query.limit`) and why. */
export interface QueryIssue {
  path: string;
  message: string;
}

/**
 * `?offset=&limit=&sort=&order=` of GET /api/experiments/:id/cv_results. `sort` is checked
 * against the experiment's columns later ({@link sortableColumns}); here only its shape.
 * Returns the query or every issue, each naming the value and what is allowed.
 */
export function parseCvPageQuery(q: Record<string, unknown>): CvPageQuery | QueryIssue[] {
  const issues: QueryIssue[] = [];
  const int = (name: string, fallback: number, min: number, max: number) => {
    const v = q[name];
    if (v === undefined) return fallback;
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
    if (n >= min && n <= max) return n;
    issues.push({ path: `query.${name}`, message: `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}` });
    return fallback;
  };
  const offset = int('offset', 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = int('limit', CV_PAGE_LIMIT.default, 1, CV_PAGE_LIMIT.max);
  const sort = q.sort ?? 'rank_test_score';
  if (typeof sort !== 'string') issues.push({ path: 'query.sort', message: `sort must be one column name, got ${JSON.stringify(sort)}` });
  const order = q.order ?? 'asc';
  if (order !== 'asc' && order !== 'desc') issues.push({ path: 'query.order', message: `order must be "asc" or "desc", got ${JSON.stringify(order)}` });
  return issues.length ? issues : { offset, limit, sort: sort as string, order: order as CvSortOrder };
}

/** Columns a page can be sorted by: every column of one value per row besides `params` (ranks, scores, times, `param_<name>`, `split<k>_test_score`, a study's trial columns). */
export function sortableColumns(cv: CvResults): string[] {
  return Object.keys(cv).filter((k) => k !== 'params' && Array.isArray(column(cv, k)));
}

/**
 * Row numbers of `cv` ordered by `sort`: numbers numerically, anything else by its JSON text;
 * missing values (cells not done yet) last in either order; ties by row number.
 */
export function sortRows(cv: CvResults, sort: string, order: CvSortOrder): number[] {
  const col = column(cv, sort);
  const sign = order === 'asc' ? 1 : -1;
  const key = col.map((v) => (v === null || v === undefined ? null : typeof v === 'number' ? v : JSON.stringify(v)));
  return cv.params
    .map((_, i) => i)
    .sort((a, b) => {
      const va = key[a];
      const vb = key[b];
      if (va === null) return vb === null ? a - b : 1;
      if (vb === null) return -1;
      const d = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va) < String(vb) ? -1 : String(va) > String(vb) ? 1 : 0;
      return sign * d || a - b;
    });
}

/** The rows `index` of `cv`, column by column. */
export function pickRows(cv: CvResults, index: readonly number[]): CvResults {
  const out: Record<string, unknown[]> = {};
  for (const k of Object.keys(cv)) {
    const col = column(cv, k);
    out[k] = index.map((i) => col[i] ?? null);
  }
  return out as unknown as CvResults;
}

function column(cv: CvResults, key: string): unknown[] {
  return (cv as unknown as Record<string, unknown[]>)[key];
}
