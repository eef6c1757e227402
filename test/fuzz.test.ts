import { randomUUID } from 'node:crypto';
import { createApp } from '@gridfold/api';
import { checkSpec, MAX_CELL_FOLDS, MAX_SPEC_DEPTH, MAX_SPEC_ENTRIES, MAX_SPEC_STRING } from '@gridfold/core';
import { connectRedis } from '@gridfold/queue';
import fc from 'fast-check';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, REDIS_URL } from './helpers/cluster.js';

const valid = {
  name: 'fuzz',
  dataset: { source: 'mnist', target: { kind: 'binary', positive: 5 } },
  estimator: { name: 'SGDClassifier', params: { random_state: 42 } },
  // One cell: out-of-fold outputs are for one estimator.
  param_grid: { alpha: [0.0001] },
  cv: { n_splits: 3, subset: 1000 },
  scoring: 'accuracy',
  refit: { subset: 1000, metrics: ['accuracy'] },
  oof: { methods: ['predict'], metrics: ['confusion_matrix'] },
};
const FOLDS = valid.cv.n_splits;

type Json = unknown;
type Path = Array<string | number>;
const PATHS: Path[] = [
  ['name'], ['dataset'], ['dataset', 'source'], ['dataset', 'target'], ['dataset', 'target', 'kind'], ['dataset', 'target', 'positive'],
  ['estimator'], ['estimator', 'name'], ['estimator', 'params'], ['estimator', 'params', 'random_state'], ['param_grid'], ['param_grid', 'alpha'],
  ['cv'], ['cv', 'n_splits'], ['cv', 'subset'], ['scoring'], ['refit'], ['refit', 'subset'], ['refit', 'metrics'], ['oof'], ['oof', 'methods'], ['oof', 'metrics'],
];
/** Where size attacks go: the fields above, deeper inside lists, and a field the schema does not know. */
const ATTACK_PATHS: Path[] = [...PATHS, ['description'], ['param_grid', 'alpha', 1], ['refit', 'metrics', 0], ['oof', 'metrics', 0], ['estimator', 'params', 'alpha'], ['x_extra']];
/** Numeric fields, and where a number is not expected, for huge numbers. */
const NUMBER_PATHS: Path[] = [
  ['cv'], ['cv', 'n_splits'], ['cv', 'subset'], ['refit', 'subset'], ['dataset', 'target', 'positive'], ['estimator', 'params', 'max_iter'], ['estimator', 'params', 'alpha'],
  ['param_grid', 'max_iter', 0], ['param_grid', 'alpha', 0], ['oof', 'error_examples'], ['oof', 'curve_points'], ['name'],
];

function setAt(obj: Json, path: Path, value: Json | typeof DELETE): Json {
  const copy = structuredClone(obj) as Record<string, Json>;
  let cur = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof cur[key] !== 'object' || cur[key] === null) cur[key] = {};
    cur = cur[key] as Record<string, Json>;
  }
  const last = path[path.length - 1];
  if (value === DELETE) delete cur[last];
  else cur[last] = value;
  return copy;
}
const DELETE = Symbol('delete');

/** A spec with one to three fields replaced by arbitrary JSON, deleted, or joined by unknown ones; or not an object at all. */
const mutatedSpec = fc.oneof(
  { weight: 8, arbitrary: fc.array(fc.tuple(fc.constantFrom(...PATHS), fc.oneof(fc.jsonValue(), fc.constant(DELETE))), { minLength: 1, maxLength: 3 }).map((edits) => edits.reduce<Json>((spec, [path, value]) => setAt(spec, path, value), valid)) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ minLength: 1 }), fc.jsonValue()).map(([k, v]) => ({ ...valid, [`x_${k}`]: v })) },
  { weight: 1, arbitrary: fc.oneof(fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))) },
);

/**
 * A size or depth attack, as a small description (so fast-check can print and shrink it);
 * `attackBody` turns it into the JSON text sent, and the field its 400 must name.
 */
type Attack =
  | { kind: 'deep-lists' | 'deep-objects' | 'long-list' | 'long-string' | 'long-key'; at: Path; size: number }
  | { kind: 'huge-number'; at: Path; text: string }
  | { kind: 'huge-grid'; names: number; values: number }
  | { kind: 'many-dicts'; dicts: number }
  | { kind: 'huge-n-iter'; nIter: number };

const attack: fc.Arbitrary<Attack> = fc.oneof(
  fc.record({ kind: fc.constantFrom('deep-lists', 'deep-objects'), at: fc.constantFrom(...ATTACK_PATHS), size: fc.oneof(fc.integer({ min: MAX_SPEC_DEPTH, max: 200 }), fc.integer({ min: 200, max: 100_000 })) }),
  fc.record({ kind: fc.constant('long-list'), at: fc.constantFrom(...ATTACK_PATHS), size: fc.integer({ min: MAX_SPEC_ENTRIES + 1, max: 60_000 }) }),
  fc.record({ kind: fc.constantFrom('long-string', 'long-key'), at: fc.constantFrom(...ATTACK_PATHS), size: fc.integer({ min: MAX_SPEC_STRING + 1, max: 300_000 }) }),
  fc.record({ kind: fc.constant('huge-number'), at: fc.constantFrom(...NUMBER_PATHS), text: fc.constantFrom('1e9', '1e15', '9007199254740993', '1e308', '-1e308', '1e999', '-1e999') }),
  // names x values large enough that the cells x folds pass the cap.
  fc.record({ kind: fc.constant('huge-grid'), names: fc.integer({ min: 2, max: 40 }), values: fc.integer({ min: 2, max: 2000 }) }).filter((a) => a.values ** a.names * FOLDS > MAX_CELL_FOLDS),
  fc.record({ kind: fc.constant('many-dicts'), dicts: fc.integer({ min: Math.ceil(MAX_CELL_FOLDS / FOLDS / 3) + 1, max: 20_000 }) }),
  fc.record({ kind: fc.constant('huge-n-iter'), nIter: fc.oneof(fc.integer({ min: Math.ceil(MAX_CELL_FOLDS / FOLDS) + 1, max: 100_000 }), fc.constantFrom(1e9, 1e15, 1e300)) }),
);

const TOKEN = '__gridfold_attack__';

/** The JSON text of an attack, and the dotted path of the field its answer must name. */
function attackBody(a: Attack): { text: string; field: string } {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  switch (a.kind) {
    case 'huge-grid':
      return { text: JSON.stringify({ ...valid, param_grid: Object.fromEntries(range(a.names).map((i) => [`p${i}`, range(a.values)])) }), field: 'param_grid' };
    case 'many-dicts':
      return { text: JSON.stringify({ ...valid, param_grid: range(a.dicts).map((i) => ({ alpha: [i, i + 1, i + 2] })) }), field: 'param_grid' };
    case 'huge-n-iter': {
      const { param_grid: _grid, ...rest } = valid;
      return { text: JSON.stringify({ ...rest, search: { kind: 'random', n_iter: a.nIter }, param_distributions: { alpha: { loguniform: [1e-5, 1] } } }), field: 'search.n_iter' };
    }
    case 'huge-number':
      return placed(a.at, a.text);
    default: {
      const n = a.size;
      const payload = {
        'deep-lists': () => `${'['.repeat(n)}${']'.repeat(n)}`,
        'deep-objects': () => `${'{"k":'.repeat(n)}0${'}'.repeat(n)}`,
        'long-list': () => `[${Array(n).fill(1).join(',')}]`,
        'long-string': () => JSON.stringify('x'.repeat(n)),
        'long-key': () => `{${JSON.stringify('k'.repeat(n))}:1}`,
      }[a.kind]();
      return placed(a.at, payload);
    }
  }
}

/** The valid spec with the JSON text `payload` at `at` (as text: JSON.stringify would overflow on it, or turn 1e999 into null). */
function placed(at: Path, payload: string): { text: string; field: string } {
  return { text: JSON.stringify(setAt(valid, at, TOKEN)).replace(JSON.stringify(TOKEN), payload), field: at.join('.') };
}

/** Whether a dotted issue path points into `spec`: every step but the last exists (the last may be a missing field). */
function pointsInto(spec: Json, path: string): boolean {
  if (path === '') return true;
  const steps = path.split('.');
  let cur = spec;
  for (let i = 0; i < steps.length - 1; i++) {
    if (typeof cur !== 'object' || cur === null) return false;
    // A field name may itself hold dots: take the shortest run of steps that is a key here.
    let j = i;
    while (j < steps.length - 1 && !Object.hasOwn(cur, steps.slice(i, j + 1).join('.'))) j++;
    if (j === steps.length - 1) return true;
    cur = (cur as Record<string, Json>)[steps.slice(i, j + 1).join('.')];
    i = j;
  }
  return typeof cur === 'object' && cur !== null;
}

const redis = connectRedis(REDIS_URL);
const prefix = `test-${randomUUID()}`;
const gridfold = createApp({ redis, prefix, logger: pino({ level: 'silent' }), submitsPerMinute: 1_000_000 });
afterAll(async () => {
  await gridfold.close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

function rejectedByCheckSpec(spec: Json): boolean {
  try {
    checkSpec(spec);
    return false;
  } catch {
    return true;
  }
}

let slowestMs = 0;

/** Posts JSON text; asserts the answer is a 400 whose issues all point into `spec`, and in time. Returns the issues. */
async function expectNamed400(text: string, spec: Json): Promise<Array<{ path: string; message: string }>> {
  const start = performance.now();
  const res = await request(gridfold.app).post('/api/experiments').set('content-type', 'application/json').send(text);
  const ms = performance.now() - start;
  slowestMs = Math.max(slowestMs, ms);
  // Generous for a shared 2-core machine: a hang (or a walk over 10**9 cells) takes minutes.
  expect(ms).toBeLessThan(5000);
  expect(res.status).toBe(400);
  expect(typeof res.body.error).toBe('string');
  if (typeof spec !== 'object' || spec === null) return []; // not a spec at all: express's JSON parser refuses it, naming no field
  expect(res.body.issues.length).toBeGreaterThan(0);
  for (const issue of res.body.issues) {
    expect(typeof issue.message).toBe('string');
    expect(pointsInto(spec, issue.path), `issue path ${JSON.stringify(issue.path)} is not in the spec`).toBe(true);
  }
  return res.body.issues;
}

describe('spec fuzzing against the API', () => {
  it('starts from a valid spec', () => {
    expect(rejectedByCheckSpec(valid)).toBe(false);
  });

  it('answers every one of >= 1,000 generated bad specs with a 400 whose issues name fields of the spec; never a 5xx', async () => {
    let bad = 0;
    await fc.assert(
      fc.asyncProperty(mutatedSpec, async (spec) => {
        fc.pre(rejectedByCheckSpec(spec));
        bad++;
        await expectNamed400(JSON.stringify(spec), spec);
      }),
      { numRuns: 1200, seed: 20261125, maxSkipsPerRun: 100 },
    );
    expect(bad).toBeGreaterThanOrEqual(1000);
    await request(gridfold.app).get('/health').expect(200);
    console.info(`fuzz: ${bad} bad specs, all 400 naming fields of the spec, slowest answer ${Math.round(slowestMs)} ms`);
  }, 120_000);

  it('answers size and depth attacks (deep nesting, huge lists, long strings, huge numbers, grids, n_iter) with a fast 400 naming the attacked field', async () => {
    const kinds = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(attack, async (a) => {
        const { text, field } = attackBody(a);
        const spec = JSON.parse(text) as Json;
        // Some huge numbers are fine where they stand (a subset larger than the data); only refused specs are attacks.
        fc.pre(rejectedByCheckSpec(spec));
        kinds.set(a.kind, (kinds.get(a.kind) ?? 0) + 1);
        const issues = await expectNamed400(text, spec);
        // The attacked field, something inside it, or (for a number that breaks a whole section, e.g. folds) its parent.
        const named = issues.some((i) => i.path === field || i.path.startsWith(`${field}.`) || (i.path !== '' && field.startsWith(`${i.path}.`)));
        expect(named, `no issue names ${field}: ${JSON.stringify(issues).slice(0, 500)}`).toBe(true);
      }),
      { numRuns: 500, seed: 20261201, maxSkipsPerRun: 100 },
    );
    expect([...kinds.keys()].sort()).toEqual(['deep-lists', 'deep-objects', 'huge-grid', 'huge-n-iter', 'huge-number', 'long-key', 'long-list', 'long-string', 'many-dicts']);
    await request(gridfold.app).get('/health').expect(200);
    console.info(`fuzz attacks: ${JSON.stringify(Object.fromEntries(kinds))}, slowest answer ${Math.round(slowestMs)} ms`);
  }, 120_000);
});
