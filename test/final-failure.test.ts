import { randomUUID } from 'node:crypto';
import { checkSpec, planExperiment } from '@gridfold/core';
import { buildFlow, buildRefitJob, jobIds, type ExperimentRecord } from '@gridfold/queue';
import { FlowProducer } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { recordWhenEnded, TestCluster, type WorkerProcess } from './helpers/cluster.js';

/**
 * The final failure of a job outside its processor's own error handling (here its sandbox
 * killed, as the OOM killer would) ends the experiment `failed` with the reason; before, the
 * root job waited on its dead child forever and the experiment stayed `queued`.
 */
const spec = checkSpec({
  name: 'crash',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { n_neighbors: [1, 3] },
  cv: { n_splits: 2, subset: 500 },
  refit: false,
});

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** SIGKILLs `worker`'s sandboxed children whenever job `jobId` is active, until the experiment ends. */
async function killWhileActive(cluster: TestCluster, worker: WorkerProcess, id: string, jobId: string, timeoutMs: number): Promise<{ record: ExperimentRecord; kills: number }> {
  const deadline = Date.now() + timeoutMs;
  let kills = 0;
  while (Date.now() < deadline) {
    if ((await cluster.api.queue.getJobState(jobId)) === 'active') {
      for (const pid of worker.sandboxes()) {
        process.kill(pid, 'SIGKILL');
        kills++;
      }
    }
    const record = (await cluster.api.store.get(id))!;
    if (cluster.api.store.isTerminal(record.status)) return { record, kills };
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`experiment ${id} did not end within ${timeoutMs} ms (${kills} kills)`);
}

describe('final failures', () => {
  it('an aggregate whose sandbox dies on every attempt fails the experiment with the reason, in seconds', async () => {
    cluster = new TestCluster({ workers: 0, lockMs: 2000, stalledMs: 1000 });
    const id = randomUUID();
    await cluster.api.store.create(id, spec);
    // A flow whose aggregate has no task left to wait for (as a retry after every task has a
    // result): it is the first job a fresh worker runs, so it starts in a cold sandbox and is
    // still starting when it is killed.
    const flows = new FlowProducer({ connection: cluster.redis, prefix: cluster.prefix });
    await flows.add(buildFlow(id, cluster.prefix, planExperiment(spec), { only: [] }));
    await flows.close();
    const started = Date.now();
    const worker = cluster.addWorker();
    const { record, kills } = await killWhileActive(cluster, worker, id, jobIds.aggregate(id), 40_000);
    expect(kills).toBeGreaterThanOrEqual(2);
    expect(record.status).toBe('failed');
    expect(record.error).toMatch(/^aggregate job failed: .*SIGKILL/);
    const tookMs = Date.now() - started;
    console.info(`aggregate sandbox killed ${kills} times: experiment failed ${(tookMs / 1000).toFixed(1)} s after the worker started`);
    expect(tookMs).toBeLessThan(30_000);
  });

  it('a refit that throws before its own error handling, on every attempt, fails the experiment with the reason', async () => {
    cluster = new TestCluster({ workers: 1, lockMs: 2000, stalledMs: 1000 });
    const id = randomUUID();
    await cluster.api.store.create(id, spec);
    // A refit with no aggregated results to refit from: it throws before its try block.
    const flows = new FlowProducer({ connection: cluster.redis, prefix: cluster.prefix });
    await flows.add(buildRefitJob(id, cluster.prefix));
    await flows.close();
    const record = await recordWhenEnded(cluster.api.store, id, 30_000);
    expect(record.status).toBe('failed');
    expect(record.error).toBe(`refit job failed: experiment ${id} has no aggregated results`);
  });
});
