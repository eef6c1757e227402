import { cachedTaskResult, cacheTaskResult, decodePart, encodePart, fitAndScorePart, mergeParts } from '@gridfold/core';
import type { FitJobData, RunRef } from '@gridfold/queue';
import type { SandboxedJob } from 'bullmq';
import { cacheFor, config, datasetFor, lastAttempt, log, planFor, storeFor } from './context.js';
import { storeTaskResult } from './store-result.js';

/**
 * One part of a task split by its queries (issue #17; `FitJobData.part`): it fits on the fold's
 * training rows, predicts its slice of the test rows, and stores its outputs once; the job
 * whose part completes the set merges them into the task's result (exactly fitAndScore's),
 * stores it as a whole task would (result, out-of-fold outputs, task cache) and deletes the
 * parts. Idempotent: a part whose task result is stored does nothing (`beginTask` says 'done'),
 * a redelivered part that is stored is not computed again, and a killed merger's redelivery
 * merges again (the parts stay until the result is stored). The task's running entry is the
 * task's, not a part's: the merger (or a failing part) clears it.
 */
export async function processPart(job: SandboxedJob, data: FitJobData & { part: NonNullable<FitJobData['part']> }): Promise<unknown> {
  const { experimentId: id, prefix, task, generation, fingerprint, part } = data;
  const run: RunRef = { generation, fingerprint };
  const store = storeFor(prefix);
  const begin = await store.beginTask(id, task.index, config.workerId ?? String(process.pid), run);
  if (begin === 'done') {
    // A merger killed between storing the result and deleting the parts left them: gone now.
    await store.deleteParts(id, task.index, generation, part.count);
    return { task: task.index, already: true };
  }
  if (begin !== 'run') return { skipped: begin };
  const started = Date.now();
  let ended = false;
  try {
    const plan = await planFor(store, id);
    const dataset = await datasetFor(plan, prefix, fingerprint);
    const cache = cacheFor(prefix);
    // The whole task in the cache: its result, no part computed.
    const hit = await cachedTaskResult(plan, dataset, task, cache);
    if (hit) {
      ended = true;
      return storeTaskResult(store, id, plan, hit, run, started, { cached: true });
    }
    // A redelivered part that is stored is not computed again: it only learns the count.
    const computed = (await store.hasPart(id, task.index, generation, part.index)) ? null : encodePart(await fitAndScorePart(plan, dataset, task, part));
    const stored = await store.savePart(id, task.index, generation, part.index, computed);
    if (stored < 0) return { skipped: stored === -2 ? 'stale-generation' : 'merged' };
    if (stored < part.count) {
      // Not the last part: the task stays running until the merger stores its result.
      ended = true;
      log.info({ experiment: id, task: task.index, part: part.index, parts: part.count, ms: Date.now() - started }, 'task part done');
      return { part: part.index, parts: part.count, waiting: part.count - stored };
    }
    const bytes = await store.parts(id, task.index, generation, part.count);
    if (bytes.some((b) => b === null)) throw new Error(`task ${task.index} counts ${part.count} stored parts but some are gone`);
    const result = mergeParts(plan, dataset, task, bytes.map((b) => decodePart(b!)));
    await cacheTaskResult(plan, dataset, task, cache, result);
    ended = true;
    const out = await storeTaskResult(store, id, plan, result, run, started, { merged: part.count });
    await store.deleteParts(id, task.index, generation, part.count);
    return out;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.error({ experiment: id, task: task.index, part: part.index, err: message, attempt: job.attemptsMade + 1 }, 'task part failed');
    if (lastAttempt(job)) await store.saveTaskError(id, generation, task.index, message);
    throw err;
  } finally {
    if (!ended) await store.taskEnded(id, task.index);
  }
}
