/** Experiments per page of GET /api/experiments: the default and the largest allowed. */
export const LIST_LIMIT = { default: 50, max: 500 } as const;

/**
 * `?limit=` of a list: an integer from 1 to {@link LIST_LIMIT}.max, the default when absent.
 * @throws an error with status 400 naming the value and the range
 */
export function parseListLimit(value: unknown): number {
  if (value === undefined) return LIST_LIMIT.default;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (n >= 1 && n <= LIST_LIMIT.max) return n;
  throw Object.assign(new Error(`limit must be an integer from 1 to ${LIST_LIMIT.max}, got ${JSON.stringify(value)}`), { status: 400 });
}
