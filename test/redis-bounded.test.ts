import { decodeOof, runExperiment } from '@gridfold/core';
import { keys } from '@gridfold/queue';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, waitFor } from './helpers/cluster.js';
import { comparable } from './helpers/compare.js';

/**
 * What an experiment keeps in Redis, through a real worker: out-of-fold outputs as compact
 * binary in their own hash (the results hash, read on every progress poll, holds none), read
 * back bit for bit (out-of-fold metrics identical to --local, also from the task cache),
 * cv_results stored once, finished jobs removed, and a purge that leaves no key behind.
 * The spec is seed 003's 5-detector SGD (experiments/mnist-5-sgd.json) on 3,000 images.
 */
const spec = {
  name: 'sgd-5-small',
  dataset: { source: 'mnist', target: { kind: 'binary', positive: 5 } },
  estimator: { name: 'SGDClassifier', params: { random_state: 42 } },
  cv: { n_splits: 3, subset: 3000 },
  scoring: 'accuracy',
  refit: false,
  oof: { methods: ['predict', 'decision_function'], metrics: ['confusion_matrix', 'precision', 'recall', 'f1', 'roc_auc', 'precision_recall_curve', 'roc_curve'], threshold_for_precision: 0.9 },
};

let cluster: TestCluster;
beforeAll(() => {
  // Completed jobs are removed at once: nothing in the flow may need them after they finish.
  cluster = new TestCluster({ workers: 1, env: { GRIDFOLD_KEEP_COMPLETED_JOBS: '0' } });
});
afterAll(() => cluster?.close());

async function run(): Promise<{ id: string; view: any }> {
  const id = (await request(cluster.api.app).post('/api/experiments').send(spec).expect(201)).body.id;
  const view = await waitFor(async () => {
    const v = (await request(cluster.api.app).get(`/api/experiments/${id}`).expect(200)).body;
    return ['completed', 'failed'].includes(v.status) ? v : undefined;
  }, 120_000, `experiment ${id} to end`);
  expect(view.status, view.error).toBe('completed');
  return { id, view };
}

describe('what an experiment keeps in Redis', () => {
  it('stores out-of-fold outputs as binary beside the results, cv_results once, and no finished job; reads them back bit for bit', async () => {
    // As JSON, as the API sends it (curves are Float64Arrays in process).
    const local = JSON.parse(JSON.stringify(await runExperiment(spec)));
    const { id, view } = await run();
    expect(comparable(view.result)).toEqual(comparable(local));
    const k = keys(cluster.prefix);
    const results = Object.values(await cluster.redis.hgetall(k.results(id))).map((v) => JSON.parse(v));
    expect(results).toHaveLength(3);
    for (const r of results) expect(r).not.toHaveProperty('oof');
    // 1,000 rows a fold: uint16 row indices, uint8 labels, float64 scores and a small header, about a third of their JSON.
    const oof = await cluster.redis.hgetallBuffer(k.oof(id));
    expect(Object.keys(oof).sort()).toEqual(['0', '1', '2']);
    for (const bytes of Object.values(oof)) {
      expect(bytes.length).toBeLessThan(1000 * (2 + 1 + 8) + 256);
      expect(bytes.length).toBeLessThan(JSON.stringify(decodeOof(bytes)).length / 2);
    }
    expect(JSON.parse((await cluster.redis.hget(k.experiment(id), 'result'))!).cv_results).toBe('@stored-once');
    expect(view.redis_bytes).toBeGreaterThan(0);
    expect((await cluster.api.queue.getJobCounts()).completed).toBe(0);

    // Again, every cell from the task cache (binary entries too): the same metrics, to the bit.
    const again = await run();
    expect(again.view.result.cache).toMatchObject({ cells_reused: 3, cells_total: 3 });
    expect(comparable(again.view.result)).toEqual(comparable(local));

    const purged = (await request(cluster.api.app).delete(`/api/experiments/${id}?purge=true`).expect(200)).body;
    expect(purged.freed_bytes).toBeGreaterThan(0);
    expect(await cluster.redis.keys(`${cluster.prefix}:*${id}*`)).toEqual([]);
  });
});
