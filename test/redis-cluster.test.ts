import { spawnSync } from 'node:child_process';
import { runExperiment, type ExperimentResult } from '@gridfold/core';
import { ExperimentStore, keys, QUEUE } from '@gridfold/queue';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, waitFor } from './helpers/cluster.js';
import { comparable } from './helpers/compare.js';
import { describeTally, tallyExecutions } from './helpers/executions.js';
import { PrivateRedisCluster } from './helpers/redis-cluster.js';
import { smallKnnGrid as grid } from './helpers/specs.js';

/**
 * gridfold on a real Redis Cluster: six private redis-server processes (`--cluster-enabled
 * yes`, ports 7100-7105), three masters with one replica each (`redis-cli --cluster create
 * --cluster-replicas 1`), an in-process API and two worker processes given
 * `REDIS_URL=redis+cluster://...`. The expected numbers are the same sweep run in this process
 * with no Redis at all (`runExperiment`).
 */
const PORTS = [7100, 7101, 7102, 7103, 7104, 7105];
const major = Number(/v=(\d+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? 0);

describe.skipIf(major < 3)('Redis Cluster (3 masters + 3 replicas)', () => {
  const redisCluster = new PrivateRedisCluster(PORTS, 1000);
  let gridfold: TestCluster;
  let local: ExperimentResult;

  beforeAll(async () => {
    await redisCluster.start();
    gridfold = new TestCluster({ workers: 2, redisUrl: redisCluster.url, lockMs: 2000, stalledMs: 1000 });
    local = await runExperiment(grid);
  }, 60_000);

  afterAll(async () => {
    // The cluster goes away whole, its keys with it; a close that fails must not keep the servers up.
    await gridfold?.close().catch(() => {});
    await redisCluster.close();
  });

  it('runs a sweep with the in-process numbers, every key under the prefix\'s hash tag, health, metrics and Bull Board working', async () => {
    expect(gridfold.prefix).toMatch(/^\{test-[0-9a-f-]+\}$/);
    const { body } = await request(gridfold.api.app).post('/api/experiments').send(grid).expect(201);
    const view = await gridfold.ended(body.id, 60_000);
    expect(view.status, view.error).toBe('completed');
    expect(comparable(view.result)).toEqual(comparable(local));
    // Every key of the experiment and of its jobs is on the one master of the tag's slot.
    const master = await redisCluster.masterOf(keys(gridfold.prefix).experiment(body.id));
    for (const port of await redisCluster.masters()) {
      const found = (await redisCluster.cli(port, '--scan', '--pattern', `${gridfold.prefix}:*`)).trim().split('\n').filter(Boolean);
      if (port === master) expect(found).toEqual(expect.arrayContaining([keys(gridfold.prefix).results(body.id), `${gridfold.prefix}:${QUEUE}:meta`]));
      else expect(found).toEqual([]);
    }
    const health = await request(gridfold.api.app).get('/health').expect(200);
    expect(health.body.queues[QUEUE].completed).toBeGreaterThan(0);
    // INFO memory summed over the three masters: more than any one of them uses.
    const oneMaster = Number(/used_memory:(\d+)/.exec(await redisCluster.cli(master, 'info', 'memory'))![1]);
    expect(health.body.memory).toMatchObject({ experiments: 1, full: false, max_bytes: 0 });
    expect(health.body.memory.used_bytes).toBeGreaterThan(oneMaster);
    const metrics = await request(gridfold.api.app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^gridfold_tasks_completed_total 24$/m);
    const board = await request(gridfold.api.app).get(`/admin/queues/api/queues?activeQueue=${QUEUE}&status=completed&page=1&jobsPerPage=5`).expect(200);
    expect(board.body.queues.map((q: { name: string }) => q.name)).toEqual([QUEUE]);
  }, 60_000);

  it('completes a sweep identically when the master holding its keys is SIGKILLed mid-sweep and its replica takes over, each result stored once', async () => {
    const { body } = await request(gridfold.api.app).post('/api/experiments').send(grid).expect(201);
    const resultsKey = keys(gridfold.prefix).results(body.id);
    const master = await redisCluster.masterOf(resultsKey);
    await waitFor(async () => ((await gridfold.redis.hlen(resultsKey)) >= 2 ? true : undefined), 30_000, 'the first results', 20);
    const before = await gridfold.redis.hlen(resultsKey);
    await redisCluster.kill(master);
    const view = await gridfold.ended(body.id, 45_000);
    const promoted = await redisCluster.masterOf(resultsKey);
    console.info(`redis cluster: master ${master} killed with ${before} of ${body.tasks} results stored; replica ${promoted} took over`);
    expect(promoted).not.toBe(master);
    expect(before).toBeLessThan(body.tasks);
    expect(view.status, view.error).toBe('completed');
    expect(comparable(view.result)).toEqual(comparable(local));
    const tally = tallyExecutions(await new ExperimentStore(gridfold.redis, gridfold.prefix).executions(body.id), body.tasks);
    console.info(`redis cluster failover: ${describeTally(tally)}`);
    expect(tally).toMatchObject({ storedTwice: 0, neverStored: 0 });
  }, 60_000);
});
