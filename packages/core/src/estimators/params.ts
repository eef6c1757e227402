import { z } from 'zod';
import { InvalidParameterError, ParameterLimitError, UnknownParameterError, type Params } from './base.js';

/** Marks a check as one of gridfold's resource limits (see {@link withLimit}). */
const LIMIT = { gridfoldLimit: true } as const;

/**
 * Adds one of gridfold's resource limits to `schema`: a value failing `within` is a spec
 * error (ParameterLimitError, HTTP 400), not a failed cell. `allowed` should say that the
 * limit is gridfold's, since scikit-learn may accept the value.
 */
export function withLimit<S extends z.ZodType>(schema: S, within: (value: z.output<S>) => boolean, allowed: string): S {
  return schema.refine(within, { error: allowed, params: LIMIT }) as S;
}

/**
 * Parameter schemas for estimators. Each helper carries the human phrase for what is
 * allowed, so a failure reads like scikit-learn's: `n_neighbors must be an integer >= 1, got -3`.
 */
export const param = {
  /** An integer >= `min` (and <= `max` when given). */
  int: (min: number, max?: number) => {
    const allowed = max === undefined ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    let s = z.number({ error: allowed }).int({ error: allowed }).min(min, { error: allowed });
    if (max !== undefined) s = s.max(max, { error: allowed });
    return s;
  },
  /**
   * An integer in [`min`, `limit`], `limit` being gridfold's resource limit where
   * scikit-learn has none; checked first, so `1e9 + 0.5` is over the limit too.
   */
  limitedInt: (min: number, limit: number) => {
    const allowed = `an integer in [${min}, ${limit}] (gridfold's limit)`;
    return withLimit(z.number({ error: allowed }), (v) => v <= limit, allowed).int({ error: allowed }).min(min, { error: allowed });
  },
  /** A finite number > `min` (strictly) when `exclusive`, else >= `min`. */
  number: (min = -Infinity, exclusive = false) => {
    const allowed = min === -Infinity ? 'a finite number' : `a number ${exclusive ? '>' : '>='} ${min}`;
    const s = z.number({ error: allowed }).finite({ error: allowed });
    return exclusive ? s.gt(min, { error: allowed }) : s.min(min, { error: allowed });
  },
  /** One of the listed strings. */
  choice: <const T extends readonly [string, ...string[]]>(values: T) =>
    z.enum(values, { error: `one of ${values.map((v) => JSON.stringify(v)).join(', ')}` }),
  /** An integer seed or null (unseeded). */
  seed: () => z.number({ error: 'an integer or null' }).int({ error: 'an integer or null' }).nullable(),
  bool: () => z.boolean({ error: 'true or false' }),
};

/**
 * Validates `params` against `schema` (unknown names rejected), filling in defaults.
 * @throws ParameterLimitError when a value is over one of gridfold's limits (reported before any other problem).
 * @throws InvalidParameterError naming the parameter, what is allowed and the value given.
 */
export function parseParams<S extends z.ZodObject>(estimator: string, schema: S, params: Params | undefined): z.infer<S> {
  const result = schema.strict().safeParse(params ?? {});
  if (result.success) return result.data as z.infer<S>;
  const issues = result.error.issues;
  const limit = issues.find((i) => i.code === 'custom' && i.params?.gridfoldLimit === LIMIT.gridfoldLimit);
  const issue = limit ?? issues[0];
  if (issue.code === 'unrecognized_keys') {
    const allowed = Object.keys(schema.shape).join(', ');
    throw new UnknownParameterError(`${estimator}: unknown parameter ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; allowed: ${allowed}`);
  }
  const name = issue.path.join('.');
  const value = valueAt(params ?? {}, issue.path as (string | number)[]);
  const message = `${estimator}: ${name} must be ${issue.message}, got ${JSON.stringify(value)}`;
  throw limit ? new ParameterLimitError(message, String(issue.path[0])) : new InvalidParameterError(message);
}

function valueAt(obj: unknown, path: (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const key of path) cur = (cur as Record<string | number, unknown> | undefined)?.[key];
  return cur;
}
