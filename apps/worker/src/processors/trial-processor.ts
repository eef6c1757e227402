import { CandidateList, cachedFitAndScore, numpyMean, runFoldsInLockstep, samplerTrial, studySettings, trainsInLockstep, trialTask, TrialPruned, type Dataset, type FoldLabel, type Plan, type TaskResult, type TrialRecord } from '@gridfold/core';
import { advanceStudy, estimatorLabel, type RunRef, type TrialJobData } from '@gridfold/queue';
import type { SandboxedJob } from 'bullmq';
import { cacheFor, config, datasetFor, log, planFor, producerFor, storeFor } from './context.js';
import { FoldPruning, MeanPruning } from './trial-pruning.js';

/**
 * Trial `number` of a study: proposed by TPE from the trials recorded so far (ended ones, and
 * running ones as the constant liar's), recorded before it runs, so a redelivery runs the same
 * params; its folds trained in lockstep and the mean across them judged by the pruner after each
 * step (a built-in that trains in steps, with a pruner), or else fitted in order with each
 * report judged against the other trials' reports on that fold (an objective's `ctx.report`);
 * how it ended recorded once; then its chain's next trial (and, after the last, the aggregate and
 * refit) enqueued on the trial's own queue (its experiment's shard).
 */
export async function processTrial(job: SandboxedJob, data: TrialJobData, signal?: AbortSignal): Promise<unknown> {
  const { experimentId: id, prefix, generation, fingerprint, number } = data;
  const store = storeFor(prefix);
  const study = store.study();
  const status = await store.status(id);
  if (status === null || store.isTerminal(status)) return { skipped: status ?? 'missing' };
  const plan = await planFor(store, id);
  const run = { generation, fingerprint, plugins: data.plugins, weight: plan.priority };
  if (!plan.cv) throw new Error('a study needs cv');
  const nSplits = plan.cv.n_splits;
  let trial = await study.trial(id, number);
  if (!trial) {
    const all = await study.trials(id);
    const settings = studySettings(plan, id);
    const { curves } = await study.reports(id);
    const history = all.filter((t) => t.state !== 'running').map((t) => samplerTrial(t, (fold) => curves.get(`${t.number}:${fold}`) ?? []));
    const running = all.filter((t) => t.state === 'running').map((t) => t.params);
    trial = await study.begin(id, number, settings.sampler.propose(history, running));
  }
  if (trial.state === 'running') {
    const started = Date.now();
    const ended = await runTrial(job, plan, trial, nSplits, id, prefix, fingerprint, run, signal);
    if ('stopped' in ended) return { trial: number, skipped: ended.stopped };
    log.info({ experiment: id, trial: number, state: ended.record.state, value: ended.record.value }, 'trial ended');
    await advanceStudy(study, producerFor(job.prefix), id, prefix, plan, run, number, ended.count);
    // The estimator and the trial's wall time here go to the worker's duration histogram (count-tasks.ts).
    return { trial: number, state: ended.record.state, value: ended.record.value ?? null, estimator: estimatorLabel(plan.estimator), seconds: (Date.now() - started) / 1000 };
  }
  // Ended before (a redelivery after the record): what follows it may not have been enqueued.
  await advanceStudy(study, producerFor(job.prefix), id, prefix, plan, run, number, null);
  return { trial: number, already: trial.state };
}

type Ended = { record: TrialRecord; count: number | null } | { stopped: string };

async function runTrial(job: SandboxedJob, plan: Plan, trial: TrialRecord, nSplits: number, id: string, prefix: string, fingerprint: string, run: RunRef, signal?: AbortSignal): Promise<Ended> {
  const dataset = await datasetFor(plan, prefix, fingerprint);
  const cells = Array.from({ length: trial.number + 1 }, (_, i) => (i === trial.number ? trial.params : {}));
  const trialPlan: Plan = { ...plan, grid: new CandidateList(cells) };
  const trialRun = { job, plan, trialPlan, dataset, trial, nSplits, id, prefix, run, signal };
  return trainsInLockstep(plan, trial.params) ? runInLockstep(trialRun) : runFoldByFold(trialRun);
}

/** What running one trial's folds needs. */
interface TrialRun {
  job: SandboxedJob;
  plan: Plan;
  /** The plan with the trial's params as its cell `trial.number`. */
  trialPlan: Plan;
  dataset: Dataset;
  trial: TrialRecord;
  nSplits: number;
  id: string;
  prefix: string;
  run: RunRef;
  signal?: AbortSignal;
}

/**
 * A trial's folds in lockstep (fold-lockstep.ts): all begin, train side by side, and after each
 * step their reports and mean are stored and the mean judged; a fold stored by an earlier
 * delivery counts with its stored result. The folds' results are stored once the trial ends
 * complete (or failed: the folds that failed), then how it ended.
 */
async function runInLockstep(t: TrialRun): Promise<Ended> {
  const { plan, trial, nSplits, id, prefix, run } = t;
  const store = storeFor(prefix);
  const study = store.study();
  const worker = config.workerId ?? String(process.pid);
  const tasks = Array.from({ length: nSplits }, (_, fold) => trialTask(trial.number, fold, nSplits));
  const begun: number[] = [];
  const stored = new Map<number, TaskResult>();
  let writes: Promise<unknown> = Promise.resolve();
  try {
    for (const task of tasks) {
      const begin = await store.beginTask(id, task.index, worker, run);
      if (begin !== 'run' && begin !== 'done') return { stopped: begin };
      if (begin === 'run') begun.push(task.index);
      // Fitted by an earlier delivery of this trial: its result stands.
      else stored.set(task.fold, (await store.taskResult(id, task.index))!);
    }
    const pruning = new MeanPruning(plan, id, trial.number, study);
    const outcome = await runFoldsInLockstep({
      nSplits,
      runFold: async (fold, onReport) =>
        stored.get(fold) ??
        cachedFitAndScore(t.trialPlan, t.dataset, tasks[fold], plan.cache ? cacheFor(prefix) : null, { signal: t.signal, onReport: (_cell, step, value) => onReport(step, value) }),
      onStep: (folds, mean) => {
        const curves: Array<[FoldLabel, Array<[number, number]>]> = [...folds.entries(), ['mean', mean]];
        writes = writes.then(() => study.saveCurves(id, trial.number, curves)).catch((err: Error) => log.warn({ experiment: id, trial: trial.number, err: err.message }, 'could not store a report'));
      },
      // The step's reports are stored before the pruner reads the study (and before the trial's end is recorded).
      judge: async (mean) => {
        await writes;
        return pruning.judge(mean);
      },
    });
    await writes;
    for (const result of outcome.results) if (!stored.has(result.fold)) await store.endTask(id, result, run);
    void t.job.updateProgress(100).catch(() => {});
    let record: TrialRecord;
    if (outcome.state === 'pruned') record = { number: trial.number, params: trial.params, state: 'pruned', pruned: { fold: 'mean', ...outcome.pruned! } };
    else if (outcome.state === 'failed') record = { ...trial, state: 'failed' };
    else record = { ...trial, state: 'complete', value: numpyMean(outcome.results.map((r) => r.cells[0].test_score!)) };
    return { record, count: await study.end(id, record, run.generation) };
  } finally {
    await writes;
    for (const task of begun) await store.taskEnded(id, task);
  }
}

/** A trial's folds one after another, each report judged against the other trials' reports on that fold (an objective's ctx.report). */
async function runFoldByFold(t: TrialRun): Promise<Ended> {
  const { plan, trial, nSplits, id, prefix, run, signal } = t;
  const store = storeFor(prefix);
  const study = store.study();
  const worker = config.workerId ?? String(process.pid);
  const scores: number[] = [];
  let record: TrialRecord = { ...trial, state: 'complete' };
  try {
    for (let fold = 0; fold < nSplits; fold++) {
      const task = trialTask(trial.number, fold, nSplits);
      const begin = await store.beginTask(id, task.index, worker, run);
      if (begin !== 'run' && begin !== 'done') return { stopped: begin };
      if (begin === 'done') {
        // Fitted by an earlier delivery of this trial: its result stands.
        const kept = (await store.taskResult(id, task.index))!;
        const s = kept.cells[0].test_score;
        if (s === null || kept.cells[0].error) {
          record = { ...record, state: 'failed' };
          break;
        }
        scores.push(s);
        continue;
      }
      const pruner = await FoldPruning.start(plan, id, trial.number, fold, study);
      let result;
      try {
        // The fold's reports are stored before its result and the trial's end are.
        result = await cachedFitAndScore(t.trialPlan, t.dataset, task, plan.cache ? cacheFor(prefix) : null, {
          signal,
          onReport: (_cell, step, value) => pruner.report(step, value),
        }).finally(() => pruner.flush());
        await store.endTask(id, result, run);
      } finally {
        await store.taskEnded(id, task.index);
      }
      const cell = result.cells[0];
      if (cell.test_score === null || cell.error) {
        record = { ...record, state: 'failed' };
        break;
      }
      scores.push(cell.test_score);
      void t.job.updateProgress(Math.round(((fold + 1) / nSplits) * 100)).catch(() => {});
    }
  } catch (err) {
    if (!(err instanceof TrialPruned)) throw err;
    record = { number: trial.number, params: trial.params, state: 'pruned', pruned: { fold: scores.length, step: err.step, value: err.value } };
  }
  if (record.state === 'complete') record = { ...record, value: numpyMean(scores) };
  return { record, count: await study.end(id, record, run.generation) };
}
