import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ensureRedis } from '@gridfold/cli';
import { runExperiment, type ExperimentResult } from '@gridfold/core';
import { ExperimentStore, keys, QUEUE } from '@gridfold/queue';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, waitFor } from './helpers/cluster.js';
import { comparable } from './helpers/compare.js';
import { describeTally, tallyExecutions } from './helpers/executions.js';
import { closeOnCluster, PrivateRedisCluster } from './helpers/redis-cluster.js';
import { smallKnnGrid as grid } from './helpers/specs.js';

/**
 * gridfold on a real Redis Cluster: six private redis-server processes (`--cluster-enabled
 * yes`, ports 7100-7105), three masters with one replica each (`redis-cli --cluster create
 * --cluster-replicas 1`), an in-process API and two worker processes given
 * `REDIS_URL=redis+cluster://...`. The expected numbers are the same sweep run in this process
 * with no Redis at all (`runExperiment`), and seed 003's for its full-MNIST grid search.
 */
const seedGrid = JSON.parse(readFileSync(new URL('../experiments/mnist-knn-grid.json', import.meta.url), 'utf8'));
const PORTS = [7100, 7101, 7102, 7103, 7104, 7105];
const major = Number(/v=(\d+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? 0);
if (major < 3) console.warn(`test/redis-cluster.test.ts skipped: redis-server ${major ? `v${major}` : 'is not on PATH or'} has no cluster support (Redis 3.0 or later needed)`);

describe.skipIf(major < 3)('Redis Cluster (3 masters + 3 replicas)', () => {
  const redisCluster = new PrivateRedisCluster(PORTS, 1000);
  let gridfold: TestCluster;
  let local: ExperimentResult;

  beforeAll(async () => {
    await redisCluster.start();
    gridfold = new TestCluster({ workers: 0, redisUrl: redisCluster.url, lockMs: 2000, stalledMs: 1000 });
    // The queue's shards as `gridfold serve` resolves them: unset GRIDFOLD_QUEUE_SHARDS on a cluster, one per master.
    await gridfold.useQueueShards();
    gridfold.addWorker();
    gridfold.addWorker();
    local = await runExperiment(grid);
  }, 60_000);

  afterAll(() => closeOnCluster(gridfold, redisCluster), 30_000);

  it('puts the queue shards on different masters: one per master, shard 0 under the prefix\'s own tag', async () => {
    const shards = gridfold.api.shards.prefixes;
    expect(shards).toHaveLength(3);
    expect(shards[0]).toBe(gridfold.prefix);
    const masters = await Promise.all(shards.map((p) => redisCluster.masterOf(`${p}:${QUEUE}:meta`)));
    expect(new Set(masters).size).toBe(3);
  });

  it('runs a sweep with the in-process numbers, its keys under its own hash tag and its jobs in its queue shard; health, metrics and Bull Board work', async () => {
    expect(gridfold.prefix).toMatch(/^\{test-[0-9a-f-]+\}$/);
    const { body } = await request(gridfold.api.app).post('/api/experiments').send(grid).expect(201);
    const view = await gridfold.ended(body.id, 60_000);
    expect(view.status, view.error).toBe('completed');
    expect(comparable(view.result)).toEqual(comparable(local));
    // The experiment's keys are together on the master of its tag's slot, the queue's on the master of the prefix's.
    const k = keys(gridfold.prefix);
    expect(k.results(body.id)).toBe(`{${gridfold.prefix.slice(1, -1)}:exp:${body.id}}:results`);
    const own = await redisCluster.masterOf(k.experiment(body.id));
    const queuePrefix = gridfold.api.shards.prefixOf(body.id);
    const queue = await redisCluster.masterOf(`${queuePrefix}:${QUEUE}:meta`);
    const found = await redisCluster.cli(own, '--scan', '--pattern', `{${gridfold.prefix.slice(1, -1)}:exp:${body.id}}*`);
    expect(found.trim().split('\n').sort()).toEqual([k.executions(body.id), k.experiment(body.id), k.results(body.id)].sort());
    expect((await redisCluster.cli(queue, '--scan', '--pattern', `${queuePrefix}:${QUEUE}:*`)).trim().split('\n').length).toBeGreaterThan(3);
    const health = await request(gridfold.api.app).get('/health').expect(200);
    const labels = [0, 1, 2].map((i) => gridfold.api.shards.label(i));
    expect(Object.keys(health.body.queues)).toEqual(labels);
    expect(health.body.queues[gridfold.api.shards.labelOf(body.id)].completed).toBeGreaterThan(0);
    // INFO memory summed over the three masters: more than any one of them uses.
    const oneMaster = Number(/used_memory:(\d+)/.exec(await redisCluster.cli(own, 'info', 'memory'))![1]);
    expect(health.body.memory).toMatchObject({ experiments: 1, full: false, max_bytes: 0 });
    expect(health.body.memory.used_bytes).toBeGreaterThan(oneMaster);
    // Workers write their counts at most a second late: wait for the last ones.
    const metrics = await waitFor(async () => {
      const m = await request(gridfold.api.app).get('/metrics').expect(200);
      return /^gridfold_tasks_completed_total 24$/m.test(m.text) ? m : undefined;
    }, 5_000, '24 tasks counted');
    expect(metrics.text).toMatch(/^gridfold_experiments\{status="completed"\} 1$/m);
    const board = await request(gridfold.api.app).get(`/admin/queues/api/queues?activeQueue=${encodeURIComponent(gridfold.api.shards.labelOf(body.id))}&status=completed&page=1&jobsPerPage=5`).expect(200);
    expect(board.body.queues.map((q: { name: string }) => q.name).sort()).toEqual([...labels].sort());
    expect(view.links.bull_board).toBe(`/admin/queues/queue/${gridfold.api.shards.labelOf(body.id)}`);
  }, 60_000);

  it('lets `gridfold serve` take the cluster URL, and names the fix for a plain URL to one of its nodes', async () => {
    const seen = await ensureRedis(redisCluster.url, () => {});
    expect(seen.url).toBe(redisCluster.url);
    await expect(ensureRedis(`redis://127.0.0.1:${PORTS[1]}`, () => {})).rejects.toThrow(
      `redis://127.0.0.1:${PORTS[1]} (REDIS_URL) is a node of a Redis Cluster: set REDIS_URL=redis+cluster://127.0.0.1:${PORTS[1]} (more nodes after commas) so that gridfold uses it as a cluster`,
    );
  });

  it('spreads experiments and their queues over the masters, with each worker running at most its one job at once across the shards; lists, counts and purges them across slots', async () => {
    // 2 tasks each. Ids are random: 9 experiments all on one of 3 masters has probability 3 * (1/3)^9 = 1.5e-4.
    // Folds of 3,000 MNIST rows: long enough (a KNN predicting 3,000 rows against 3,000) for the 20 ms samples below to see tasks run.
    const tiny = { ...grid, name: 'tiny', param_grid: { n_neighbors: [1] }, cv: { n_splits: 2, subset: 6000 }, refit: { subset: 300 } };
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) ids.push((await request(gridfold.api.app).post('/api/experiments').send(tiny).expect(201)).body.id);
    const masters = await Promise.all(ids.map((id) => redisCluster.masterOf(keys(gridfold.prefix).experiment(id))));
    console.info(`redis cluster: 9 experiments' keys on masters ${JSON.stringify(Object.fromEntries([...new Set(masters)].map((m) => [m, masters.filter((x) => x === m).length])))}`);
    expect(new Set(masters).size).toBeGreaterThan(1);
    // Their jobs: each experiment's in its shard's queue, found by scanning that shard's master (shards are one per master, see above;
    // 9 random ids all on one of 3 shards: probability 1.5e-4 again).
    const queueMasters = await Promise.all(ids.map((id) => redisCluster.masterOf(`${gridfold.api.shards.prefixOf(id)}:${QUEUE}:meta`)));
    expect(new Set(queueMasters).size).toBeGreaterThan(1);
    // Each worker has GRIDFOLD_CONCURRENCY 1 over 3 shard Workers: sampled every 20 ms, the running tasks of every experiment never
    // show one worker on two tasks at once (the store's running hash: task -> worker, written as a task starts, removed as it ends).
    const store = new ExperimentStore(gridfold.redis, gridfold.prefix);
    let most = 0;
    let samples = 0;
    let done = false;
    const ended = Promise.all(ids.map((id) => gridfold.ended(id, 60_000))).finally(() => (done = true));
    while (!done && most <= 1) {
      const perWorker = new Map<string, number>();
      for (const running of await Promise.all(ids.map((id) => store.runningTasks(id)))) for (const r of Object.values(running)) perWorker.set(r.worker, (perWorker.get(r.worker) ?? 0) + 1);
      most = Math.max(most, ...perWorker.values(), 0);
      samples++;
      await new Promise((r) => setTimeout(r, 20));
    }
    console.info(`redis cluster: at most ${most} running task(s) per worker over ${samples} samples`);
    expect(most).toBe(1);
    for (const view of await ended) expect(view.status).toBe('completed');
    for (const [i, id] of ids.entries()) {
      const found = await redisCluster.cli(queueMasters[i], '--scan', '--pattern', `${gridfold.api.shards.prefixOf(id)}:${QUEUE}:${id}.*`);
      expect(found.trim().length, `jobs of ${id} on ${queueMasters[i]}`).toBeGreaterThan(0);
    }
    const list = await request(gridfold.api.app).get('/api/experiments?limit=20').expect(200);
    expect(JSON.stringify(list.body)).toContain(ids[8]);
    const metrics = await request(gridfold.api.app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^gridfold_experiments\{status="completed"\} 10$/m);
    const purged = await request(gridfold.api.app).delete(`/api/experiments/${ids[0]}?purge=true`).expect(200);
    expect(purged.body).toMatchObject({ id: ids[0], purged: true });
    expect(purged.body.removed_jobs).toBeGreaterThan(0);
    expect(await redisCluster.cli(masters[0], '--scan', '--pattern', `{${gridfold.prefix.slice(1, -1)}:exp:${ids[0]}}*`)).toBe('');
    await request(gridfold.api.app).get(`/api/experiments/${ids[0]}`).expect(404);
  }, 120_000);

  it('waits, after storing a task\'s result, until a replica of the experiment\'s master has it (WAIT), so a failover cannot lose it', async () => {
    const store = new ExperimentStore(gridfold.redis, gridfold.prefix);
    const run = { generation: 0, fingerprint: '' };
    const timed = async (id: string) => {
      await store.create(id, { name: 'wait' } as never);
      await store.beginTask(id, 0, 'w', run);
      const started = Date.now();
      expect(await store.endTask(id, { task: 0, fold: 0, cells: [], scores: [] } as never, run)).toBe('stored');
      return Date.now() - started;
    };
    const id = 'wait-check';
    const [, replica] = await redisCluster.servers(keys(gridfold.prefix).results(id));
    expect(await timed('wait-check-warm')).toBeLessThan(1000);
    // A frozen replica acknowledges nothing: the store waits out WAIT's timeout (1000 ms) before it answers.
    redisCluster.signal(replica, 'SIGSTOP');
    try {
      expect(await timed(id)).toBeGreaterThanOrEqual(900);
    } finally {
      redisCluster.signal(replica, 'SIGCONT');
    }
    for (const done of [id, 'wait-check-warm']) await store.purge(done);
  });

  it('gives the seed KNN grid\'s exact numbers when the masters of the queue and of the experiment\'s keys are SIGKILLed mid-sweep and their replicas take over, each result stored once', async () => {
    // An experiment whose keys are on another master than its queue shard (2 times in 3; ids are random): one on its
    // queue's master is cancelled and submitted again, so that both kills below always happen.
    let body: { id: string; tasks: number } | undefined;
    let queueKey = '';
    for (let i = 0; i < 20 && !body; i++) {
      const submitted = (await request(gridfold.api.app).post('/api/experiments').send(seedGrid).expect(201)).body;
      queueKey = `${gridfold.api.shards.prefixOf(submitted.id)}:${QUEUE}:meta`;
      if ((await redisCluster.masterOf(keys(gridfold.prefix).results(submitted.id))) !== (await redisCluster.masterOf(queueKey))) body = submitted;
      else await request(gridfold.api.app).delete(`/api/experiments/${submitted.id}`).expect(200);
    }
    if (!body) throw new Error('20 submissions all on the queue\'s master');
    const queueMaster = await redisCluster.masterOf(queueKey);
    const resultsKey = keys(gridfold.prefix).results(body.id);
    // The master with the queue first (BullMQ's side), then the one with the experiment's keys (the store's).
    const targets = [{ key: queueKey, master: queueMaster }, { key: resultsKey, master: await redisCluster.masterOf(resultsKey) }];
    const killed: string[] = [];
    for (const { key, master } of targets) {
      const at = await waitFor(async () => {
        const n = await gridfold.redis.hlen(resultsKey);
        return n > killed.length ? n : undefined;
      }, 60_000, 'a result before the kill', 20);
      await redisCluster.kill(master);
      const promoted = await waitFor(async () => {
        const now = await redisCluster.masterOf(key).catch(() => master);
        return now !== master ? now : undefined;
      }, 20_000, `a replica of ${master} to take over`, 100);
      killed.push(`${master} (${key === queueKey ? 'queue' : 'experiment'}) killed at ${at} of ${body.tasks} results, replica ${promoted} took over`);
    }
    const view = await gridfold.ended(body.id, 90_000);
    console.info(`redis cluster failover: ${killed.join('; ')}`);
    expect(killed).toHaveLength(2);
    expect(view.status, view.error).toBe('completed');
    // Seed 003 [85]/[86]: as test/e2e-seed-grid.test.ts checks on one Redis.
    expect(view.result.best_params).toEqual({ n_neighbors: 4, weights: 'distance' });
    expect(view.result.best_score).toBe(0.9441999999999998);
    expect(view.result.test).toEqual({ accuracy: 0.9714 });
    const tally = tallyExecutions(await new ExperimentStore(gridfold.redis, gridfold.prefix).executions(body.id), body.tasks);
    console.info(`redis cluster failover: ${describeTally(tally)}`);
    expect(tally).toMatchObject({ storedTwice: 0, neverStored: 0 });
  }, 120_000);
});
