import { z } from 'zod';
import { InvalidParameterError, UnknownParameterError, type Params } from './base.js';

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
 * @throws InvalidParameterError naming the parameter, what is allowed and the value given.
 */
export function parseParams<S extends z.ZodObject>(estimator: string, schema: S, params: Params | undefined): z.infer<S> {
  const result = schema.strict().safeParse(params ?? {});
  if (result.success) return result.data as z.infer<S>;
  const issue = result.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const allowed = Object.keys(schema.shape).join(', ');
    throw new UnknownParameterError(`${estimator}: unknown parameter ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; allowed: ${allowed}`);
  }
  const name = issue.path.join('.');
  const value = valueAt(params ?? {}, issue.path as (string | number)[]);
  throw new InvalidParameterError(`${estimator}: ${name} must be ${issue.message}, got ${JSON.stringify(value)}`);
}

function valueAt(obj: unknown, path: (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const key of path) cur = (cur as Record<string | number, unknown> | undefined)?.[key];
  return cur;
}
