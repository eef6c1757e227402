import { aggregateResults, combineRounds, firstRound, halvingOf, nextRound, roundPlan, scheduleFor, type HalvingRound, type TaskResult } from '@gridfold/core';
import { buildHalvingRound, buildRefitJob, jobIds, LruMap, QUEUE, type HalvingJobData, type HalvingState } from '@gridfold/queue';
import { Queue } from 'bullmq';
import type { SandboxedJob } from 'bullmq';
import { datasetFor, lastAttempt, log, planFor, producerFor, redisFor, storeFor } from './context.js';

// One per queue prefix, for the few most recent; a dropped one is closed (the shared connection stays open).
const queues = new LruMap<string, Queue>(8, (q) => void q.close());
function queueAt(queuePrefix: string): Queue {
  return queues.getOrSet(queuePrefix, () => new Queue(QUEUE, { connection: redisFor(), prefix: queuePrefix }));
}

/** A halving job: one step of the chain; its last failed attempt fails the experiment. */
export async function processHalving(job: SandboxedJob, data: HalvingJobData): Promise<unknown> {
  try {
    return await halvingStep(data, job.prefix);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.error({ experiment: data.experimentId, err: message }, 'halving step failed');
    if (!lastAttempt(job)) throw err;
    await storeFor(data.prefix).finish(data.experimentId, 'failed', { error: message, generation: data.generation });
    return { failed: message };
  }
}

/**
 * One step of a successive-halving chain: round -1 plans round 0 (it needs the data: rows
 * and classes set the schedule); round r aggregates its tasks, then enqueues round r+1 with
 * the survivors, or after the last round stores the combined cv_results and enqueues the refit.
 * What it enqueues goes to `queuePrefix`, its own queue's: the experiment's shard.
 */
async function halvingStep(data: HalvingJobData, queuePrefix: string): Promise<unknown> {
  const { experimentId: id, prefix, round: r, generation, fingerprint } = data;
  const store = storeFor(prefix);
  if (store.isTerminal(await store.status(id))) return { skipped: true };
  const plan = await planFor(store, id);
  const run = { generation, fingerprint, plugins: data.plugins, weight: plan.priority };
  const { settings, cv } = halvingOf(plan);
  const dataset = await datasetFor(plan, prefix, fingerprint);
  const flows = producerFor(queuePrefix);
  const stale = { refused: 'stale-generation', generation };
  const enqueue = async (state: HalvingState, round: HalvingRound) => {
    const roundTasks = roundPlan(plan, round, state.schedule.max_resources).tasks;
    state.rounds.push({ ...round, tasks: roundTasks.length });
    if (!(await store.saveHalving(id, generation, state))) return false;
    await flows.add(buildHalvingRound(id, prefix, round.iter, roundTasks, run));
    log.info({ experiment: id, round: round.iter, candidates: round.candidates.length, n_resources: round.n_resources }, 'halving round enqueued');
    return true;
  };
  if (r < 0) {
    const schedule = scheduleFor(plan, dataset);
    if (!(await enqueue({ schedule, rounds: [] }, firstRound(schedule, plan.grid)))) return stale;
    return { schedule };
  }
  const state = (await store.halving(id))!;
  const all = await store.taskResults(id);
  const rounds = state.rounds.map((round) => {
    const p = roundPlan(plan, round, state.schedule.max_resources);
    const ids = new Set(p.tasks.map((t) => t.index));
    return { round, plan: p, results: all.filter((t: TaskResult) => ids.has(t.task)) };
  });
  const current = rounds[r];
  if (current.results.length < current.plan.tasks.length) {
    const reasons = Object.values(await store.taskErrors(id));
    throw new Error(`halving round ${r}: ${current.plan.tasks.length - current.results.length} task(s) have no result${reasons.length ? `; first reason: ${reasons[0]}` : ''}`);
  }
  const next = nextRound(settings.factor, state.schedule, current.round, current.plan, aggregateResults(current.plan, current.results));
  if (next && state.rounds.length === r + 1) {
    if (!(await enqueue(state, next))) return stale;
    return { round: r, next: next.iter };
  }
  if (next) {
    // Redelivered after round r+1 was saved: its flow may never have been added (the step died
    // in between). A flow is added at once or not at all, so a missing round job means a missing
    // flow. An existing one is not added again: re-adding would make its halving job wait again
    // for tasks that already failed.
    const saved = rounds[r + 1];
    if ((await queueAt(queuePrefix).getJobState(jobIds.halvingRound(id, saved.round.iter, generation))) === 'unknown') {
      await flows.add(buildHalvingRound(id, prefix, saved.round.iter, saved.plan.tasks, run));
      log.info({ experiment: id, round: saved.round.iter }, 'halving round re-enqueued after a redelivery');
    }
    return { round: r, next: saved.round.iter, already: true };
  }
  const summary = combineRounds(cv, rounds.map(({ round, results }) => ({ round, results })));
  if (!(await store.saveSummary(id, generation, summary, {}))) return stale;
  await flows.add(buildRefitJob(id, prefix, run));
  log.info({ experiment: id, rounds: rounds.length, best: summary.best_params }, 'halving finished');
  return { round: r, best_index: summary.best_index };
}
