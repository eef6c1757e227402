import { buildHalvingRound, jobIds, keys, type HalvingState } from '@gridfold/queue';
import { FlowProducer } from 'bullmq';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster, viewWhenEnded } from './helpers/cluster.js';
import { comparable } from './helpers/compare.js';

/**
 * A halving step saves round r+1, then adds its flow. A worker killed between the two left
 * the redelivered step on its "already planned" branch, which added nothing: the search
 * never ended. Here the search runs once, then is put back in that state (round 1 saved,
 * nothing of it enqueued, round 0's step redelivered) and must end as before.
 */
const spec = {
  name: 'halving-redelivery',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { n_neighbors: [1, 2, 3, 4, 5, 6, 7, 8, 9] },
  cv: { n_splits: 3, subset: 1500 },
  search: { kind: 'halving', factor: 3, random_state: 0 },
  refit: { subset: 1500 },
};

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe('halving redelivery', () => {
  it('a step redelivered after saving the next round, whose flow was never added, enqueues it and the search ends', async () => {
    cluster = new TestCluster({ workers: 1, lockMs: 2000, stalledMs: 1000 });
    const { app, store, queue } = cluster.api;
    const { body } = await request(app).post('/api/experiments').send(spec).expect(201);
    const id: string = body.id;
    const reference = await viewWhenEnded(app, id, 60_000);
    expect(reference.status, reference.error).toBe('completed');
    const state = (await store.halving(id))!;
    expect(state.rounds.length).toBe(3);

    // The state a worker killed right after round 0's step saved round 1 leaves: rounds 0 and 1
    // saved, round 1's tasks never run, no later round, no summary, and no job but round 0's
    // step, back in the queue for its redelivery.
    await queue.obliterate({ force: true });
    const crashed: HalvingState = { schedule: state.schedule, rounds: state.rounds.slice(0, 2) };
    await store.saveHalving(id, crashed);
    const k = keys(cluster.prefix);
    const later = state.rounds.slice(1).flatMap((r) => Array.from({ length: r.tasks }, (_, i) => String(r.task_offset + i)));
    await cluster.redis.hdel(k.results(id), ...later);
    await cluster.redis.hdel(k.experiment(id), 'summary', 'metrics', 'result', 'finished_at', 'error');
    await cluster.redis.hset(k.experiment(id), 'status', 'running');
    const flows = new FlowProducer({ connection: cluster.redis, prefix: cluster.prefix });
    await flows.add(buildHalvingRound(id, cluster.prefix, 0, []));
    await flows.close();

    const again = await viewWhenEnded(app, id, 30_000);
    expect(again.status, again.error).toBe('completed');
    expect(comparable(again.result)).toEqual(comparable(reference.result));
    expect(await queue.getJobState(jobIds.halvingRound(id, 1))).toBe('completed');
  });
});
