import { randomUUID } from 'node:crypto';
import { createApp } from '@gridfold/api';
import { checkSpec } from '@gridfold/core';
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
  param_grid: { alpha: [0.0001, 0.001] },
  cv: { n_splits: 3, subset: 1000 },
  scoring: 'accuracy',
  refit: { subset: 1000, metrics: ['accuracy'] },
  oof: { methods: ['predict'], metrics: ['confusion_matrix'] },
};

type Json = unknown;
const PATHS = [
  ['name'], ['dataset'], ['dataset', 'source'], ['dataset', 'target'], ['dataset', 'target', 'kind'], ['dataset', 'target', 'positive'],
  ['estimator'], ['estimator', 'name'], ['estimator', 'params'], ['estimator', 'params', 'random_state'], ['param_grid'], ['param_grid', 'alpha'],
  ['cv'], ['cv', 'n_splits'], ['cv', 'subset'], ['scoring'], ['refit'], ['refit', 'subset'], ['refit', 'metrics'], ['oof'], ['oof', 'methods'], ['oof', 'metrics'],
];

function setAt(obj: Json, path: string[], value: Json | typeof DELETE): Json {
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

const redis = connectRedis(REDIS_URL);
const prefix = `test-${randomUUID()}`;
const gridfold = createApp({ redis, prefix, logger: pino({ level: 'silent' }), submitsPerMinute: 1_000_000 });
afterAll(async () => {
  await gridfold.close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe('spec fuzzing against the API', () => {
  it('answers every one of >= 1,000 generated bad specs with a 4xx JSON error naming a field; never a 5xx', async () => {
    const statuses = new Map<number, number>();
    let bad = 0;
    await fc.assert(
      fc.asyncProperty(mutatedSpec, async (spec) => {
        let isValid = true;
        try {
          checkSpec(spec);
        } catch {
          isValid = false;
        }
        fc.pre(!isValid);
        bad++;
        const res = await request(gridfold.app).post('/api/experiments').set('content-type', 'application/json').send(JSON.stringify(spec));
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(typeof res.body.error).toBe('string');
        if (res.status === 400 && res.body.issues) expect(res.body.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 1200, seed: 20261125, maxSkipsPerRun: 100 },
    );
    expect(bad).toBeGreaterThanOrEqual(1000);
    await request(gridfold.app).get('/health').expect(200);
    console.info(`fuzz: ${bad} bad specs, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  }, 120_000);
});
