import { CandidateList, cachedFitAndScore, numpyMean, prunerView, samplerTrial, shouldPrune, studySettings, trialTask, TrialPruned, type Plan, type TrialRecord } from '@gridfold/core';
import { advanceStudy, estimatorLabel, type StudyStore, type TrialJobData } from '@gridfold/queue';
import type { SandboxedJob } from 'bullmq';
import { cacheFor, config, datasetFor, log, planFor, producerFor, storeFor } from './context.js';

/**
 * Trial `number` of a study: proposed by TPE from the trials recorded so far (ended ones, and
 * running ones as the constant liar's), recorded before it runs, so a redelivery runs the same
 * params; its folds fitted in order, each report stored and judged by the pruner against the
 * other trials' reports on that fold; how it ended recorded once; then its chain's next trial
 * (and, after the last, the aggregate and refit) enqueued on the trial's own queue (its experiment's shard).
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

async function runTrial(
  job: SandboxedJob,
  plan: Plan,
  trial: TrialRecord,
  nSplits: number,
  id: string,
  prefix: string,
  fingerprint: string,
  run: { generation: number; fingerprint: string },
  signal?: AbortSignal,
): Promise<{ record: TrialRecord; count: number | null } | { stopped: string }> {
  const store = storeFor(prefix);
  const study = store.study();
  const dataset = await datasetFor(plan, prefix, fingerprint);
  const cells = Array.from({ length: trial.number + 1 }, (_, i) => (i === trial.number ? trial.params : {}));
  const trialPlan: Plan = { ...plan, grid: new CandidateList(cells) };
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
      const pruner = await Pruning.start(plan, id, trial.number, fold, study);
      let result;
      try {
        // The fold's reports are stored before its result and the trial's end are.
        result = await cachedFitAndScore(trialPlan, dataset, task, plan.cache ? cacheFor(prefix) : null, {
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
      void job.updateProgress(Math.round(((fold + 1) / nSplits) * 100)).catch(() => {});
    }
  } catch (err) {
    if (!(err instanceof TrialPruned)) throw err;
    record = { number: trial.number, params: trial.params, state: 'pruned', pruned: { fold: scores.length, step: err.step, value: err.value } };
  }
  if (record.state === 'complete') record = { ...record, value: numpyMean(scores) };
  return { record, count: await study.end(id, record, run.generation) };
}

/**
 * The pruner of one fold of a running trial. `ctx.report` is synchronous, so each report is
 * judged at once against a snapshot of the other trials' reports on this fold (read when the
 * fold starts, refreshed in the background after each report, as Optuna reads its storage when
 * asked); the trial's own reports, rungs and the fold's estimates are written as they come.
 */
class Pruning {
  private readonly curve: Array<[number, number]> = [];
  private rungs: number[] = [];
  private writes: Promise<unknown> = Promise.resolve();
  private refreshing: Promise<void> | null = null;

  private constructor(
    private readonly plan: Plan,
    private readonly id: string,
    private readonly number: number,
    private readonly fold: number,
    private readonly study: StudyStore,
    private snapshot: { trials: TrialRecord[]; reports: Awaited<ReturnType<StudyStore['reports']>> },
  ) {}

  static async start(plan: Plan, id: string, number: number, fold: number, study: StudyStore): Promise<Pruning> {
    const [trials, reports] = await Promise.all([study.trials(id), study.reports(id)]);
    return new Pruning(plan, id, number, fold, study, { trials, reports });
  }

  /** Records a report and throws TrialPruned when the pruner stops the trial here. */
  report(step: number, value: number): void {
    this.curve.push([step, value]);
    const curve = [...this.curve];
    this.write(() => this.study.saveCurve(this.id, this.number, this.fold, curve));
    if (this.plan.pruner.kind === 'none') return;
    const { trials, reports } = this.snapshot;
    const fold = this.fold;
    const current = prunerView({ number: this.number, state: 'running' }, this.curve, this.rungs);
    const others = trials.filter((t) => t.number !== this.number).map((t) => prunerView(t, reports.curves.get(`${t.number}:${fold}`) ?? [], reports.rungs.get(`${t.number}:${fold}`) ?? []));
    const state = { ...reports.pruner.get(fold), studyName: this.id };
    const decision = shouldPrune(this.plan.pruner, current, [...others, current], state);
    if (decision.rungs) this.rungs = decision.rungs;
    const estimates = decision.minResource !== undefined || decision.maxResource !== undefined ? { minResource: decision.minResource, maxResource: decision.maxResource } : undefined;
    if (estimates && !reports.pruner.has(fold)) reports.pruner.set(fold, estimates);
    const rungs = [...this.rungs];
    this.write(() => this.study.savePruning(this.id, this.number, fold, rungs, estimates));
    if (decision.prune) throw new TrialPruned(step, value);
    this.refresh();
  }

  /** Waits for every write of this fold (its reports must be stored before the trial's end is). */
  async flush(): Promise<void> {
    await this.writes;
    await this.refreshing;
  }

  private write(op: () => Promise<unknown>): void {
    this.writes = this.writes.then(op).catch((err: Error) => log.warn({ experiment: this.id, trial: this.number, err: err.message }, 'could not store a report'));
  }

  private refresh(): void {
    this.refreshing ??= Promise.all([this.study.trials(this.id), this.study.reports(this.id)])
      .then(([trials, reports]) => {
        // Estimates fixed meanwhile by this trial stand until Redis has them too.
        for (const [f, s] of this.snapshot.reports.pruner) if (!reports.pruner.has(f)) reports.pruner.set(f, s);
        this.snapshot = { trials, reports };
      })
      .catch(() => {})
      .finally(() => (this.refreshing = null));
  }
}
