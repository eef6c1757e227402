import type { FoldLabel, SearchSummary } from '../aggregate/aggregate.js';
import { prunerView, samplerTrial, studySummary, trialTask, type TrialRecord } from '../aggregate/study.js';
import type { Dataset } from '../datasets/load.js';
import type { Params } from '../estimators/base.js';
import type { FitAndScoreOptions } from '../evaluate/fit-and-score.js';
import type { TaskResult } from '../evaluate/task-result.js';
import { numpyMean } from '../metrics/numpy-sum.js';
import type { Plan, Task } from '../plan/plan.js';
import { TrialPruned } from '../plugins/objective.js';
import { CandidateList } from '../search/candidate-list.js';
import { runFoldsInLockstep, trainsInLockstep } from '../evaluate/fold-lockstep.js';
import { shouldPrune, type PrunerSpec, type PrunerState } from '../search/pruners.js';
import { TpeSampler } from '../search/tpe/sampler.js';

const MEAN = 'mean';

/** One trial of a study in one process: its record, and its reports by fold label (a fold's, or `'mean'`: the mean across folds in lockstep). */
export interface StudyTrial extends TrialRecord {
  curves: Map<FoldLabel, Array<[number, number]>>;
  /** ASHA's completed rungs, by the fold label the pruner judged. */
  rungs: Map<FoldLabel, number[]>;
}

/**
 * A study's sampler and pruner from its plan: TPE maximizing the score (gridfold's scores are
 * greater-is-better), seeded by the spec; the study is named by the experiment's id for
 * Hyperband's brackets.
 */
export function studySettings(plan: Plan, studyName: string): StudySettings {
  if (plan.search.kind !== 'tpe' || !plan.paramSpace) throw new Error('studySettings needs a plan with search.kind "tpe" and its param_space');
  const s = plan.search;
  const sampler = new TpeSampler(plan.paramSpace, { seed: s.seed, nStartupTrials: s.n_startup_trials, nEiCandidates: s.n_ei_candidates, constantLiar: s.constant_liar, direction: 'maximize' });
  return { nTrials: s.n_trials, sampler, pruner: plan.pruner, studyName };
}

/** The parts of a TPE plan a study needs. */
export interface StudySettings {
  nTrials: number;
  sampler: TpeSampler;
  pruner: PrunerSpec;
  /** Names the study for Hyperband's brackets. */
  studyName: string;
}

/**
 * A TPE study in this process, trials one after another: each is proposed from the trials so
 * far. A trial of a built-in that trains in steps, with a pruner, trains its folds in lockstep
 * and is judged on their mean at each step against the other trials' means
 * (evaluate/fold-lockstep.ts); any other trial fits its folds in order by `runTask` (one task per
 * fold, the trial's number as its cell), each report judged against the other trials' reports
 * on the same fold at the same step, and is pruned when a fold of it is. Complete when every
 * fold scored.
 */
export async function runStudy(
  plan: Plan,
  dataset: Dataset,
  study: StudySettings,
  runTask: (plan: Plan, task: Task, options: FitAndScoreOptions) => Promise<TaskResult>,
  /** Called as each trial ends (complete, pruned or failed), with every trial ended so far: for progress lines. */
  onTrialEnd?: (trial: StudyTrial, ended: readonly StudyTrial[]) => void,
): Promise<{ summary: SearchSummary; trials: StudyTrial[]; results: TaskResult[] }> {
  if (!plan.cv) throw new Error('a TPE study needs cross-validation (cv)');
  const nSplits = plan.cv.n_splits;
  const trials: StudyTrial[] = [];
  const prunerState: PrunerState = { studyName: study.studyName };
  const results: TaskResult[] = [];
  const params: Params[] = [];
  /** Judges trial `trial` on its reports under `label` against the other trials' under the same label. */
  const judge = (trial: StudyTrial, label: FoldLabel): boolean => {
    const view = (t: StudyTrial) => prunerView(t, t.curves.get(label) ?? [], t.rungs.get(label) ?? []);
    const current = view({ ...trial, state: 'running' });
    const decision = shouldPrune(study.pruner, current, [...trials.map(view), current], prunerState);
    if (decision.rungs) trial.rungs.set(label, decision.rungs);
    if (decision.minResource !== undefined) prunerState.minResource = decision.minResource;
    if (decision.maxResource !== undefined) prunerState.maxResource = decision.maxResource;
    return decision.prune;
  };
  for (let number = 0; number < study.nTrials; number++) {
    const proposed = study.sampler.propose(trials.map((t) => samplerTrial(t, (fold) => t.curves.get(fold) ?? [])));
    params.push(proposed);
    const trial: StudyTrial = { number, params: proposed, state: 'complete', curves: new Map(), rungs: new Map() };
    const trialPlan: Plan = { ...plan, grid: new CandidateList(params) };
    const task = (fold: number) => trialTask(number, fold, nSplits);
    let scores: number[] = [];
    if (trainsInLockstep(plan, proposed)) {
      const outcome = await runFoldsInLockstep({
        nSplits,
        runFold: (fold, onReport) => runTask(trialPlan, task(fold), { onReport: (_cell, step, value) => onReport(step, value) }),
        onStep: (folds, mean) => {
          folds.forEach((c, fold) => trial.curves.set(fold, c));
          trial.curves.set(MEAN, mean);
        },
        judge: () => judge(trial, MEAN),
      });
      results.push(...outcome.results);
      trial.state = outcome.state;
      if (outcome.pruned) trial.pruned = { fold: MEAN, ...outcome.pruned };
      scores = outcome.results.map((r) => r.cells[0].test_score ?? NaN);
    } else {
      try {
        for (let fold = 0; fold < nSplits; fold++) {
          const curve: Array<[number, number]> = [];
          trial.curves.set(fold, curve);
          const onReport = (_cell: number, step: number, value: number) => {
            curve.push([step, value]);
            if (judge(trial, fold)) throw new TrialPruned(step, value);
          };
          const result = await runTask(trialPlan, task(fold), { onReport });
          results.push(result);
          const cell = result.cells[0];
          if (cell.test_score === null || cell.error) trial.state = 'failed';
          else scores.push(cell.test_score);
          // Reports of a cell that was not stopped come back with its result too; keep what onReport saw.
          if (trial.state === 'failed') break;
        }
      } catch (err) {
        if (!(err instanceof TrialPruned)) throw err;
        // Folds run in order, so the one stopped is the first without a score.
        trial.state = 'pruned';
        trial.pruned = { fold: scores.length, step: err.step, value: err.value };
      }
    }
    if (trial.state === 'complete') trial.value = numpyMean(scores);
    trials.push(trial);
    onTrialEnd?.(trial, trials);
  }
  // Every report the pruner saw, pruned trials' included (a stopped cell returns no result to carry them).
  const curves = trials.flatMap((t) => [...t.curves].flatMap(([fold, c]) => (c.length ? [{ cell: t.number, fold, steps: c.map((p) => p[0]), values: c.map((p) => p[1]) }] : [])));
  const summary = studySummary(plan, trials, results, curves);
  return { summary, trials, results };
}
