import { prunerView, shouldPrune, TrialPruned, type FoldLabel, type Plan, type PrunerState, type TrialRecord } from '@gridfold/core';
import type { StudyStore } from '@gridfold/queue';
import { log } from './context.js';

/** What a pruning decision reads: the study's trials and their stored reports. */
type Snapshot = { trials: TrialRecord[]; reports: Awaited<ReturnType<StudyStore['reports']>> };

/** What deciding on one report gives: whether to stop, the trial's rungs after it, and the estimates it fixed (if it fixed any). */
interface Judgment {
  prune: boolean;
  rungs: number[];
  estimates?: PrunerState;
}

/**
 * Judges trial `number`'s reports under fold label `label` (its last report is the one just
 * made) against the other trials' reports under the same label, as `snapshot` has them.
 */
function judge(plan: Plan, id: string, number: number, label: FoldLabel, curve: Array<[number, number]>, rungs: number[], snapshot: Snapshot): Judgment {
  const { trials, reports } = snapshot;
  const current = prunerView({ number, state: 'running' }, curve, rungs);
  const others = trials.filter((t) => t.number !== number).map((t) => prunerView(t, reports.curves.get(`${t.number}:${label}`) ?? [], reports.rungs.get(`${t.number}:${label}`) ?? []));
  const decision = shouldPrune(plan.pruner, current, [...others, current], { ...reports.pruner.get(String(label)), studyName: id });
  const estimates = decision.minResource !== undefined || decision.maxResource !== undefined ? { minResource: decision.minResource, maxResource: decision.maxResource } : undefined;
  return { prune: decision.prune, rungs: decision.rungs ?? rungs, estimates };
}

/**
 * The pruner of a trial whose folds train in lockstep: after each step the mean across folds
 * is judged against the other trials' means, on the study as Redis has it then (read afresh:
 * the folds wait for the answer), and the trial's rungs and any estimate are stored before
 * the folds go on.
 */
export class MeanPruning {
  /** The trial's completed rungs; undefined until read (a trial run again after its worker died keeps the promotions it won). */
  private rungs: number[] | undefined;

  constructor(
    private readonly plan: Plan,
    private readonly id: string,
    private readonly number: number,
    private readonly study: StudyStore,
  ) {}

  /** True when the trial stops at the last step of `mean`. */
  async judge(mean: Array<[number, number]>): Promise<boolean> {
    const [trials, reports] = await Promise.all([this.study.trials(this.id), this.study.reports(this.id)]);
    // A run of this trial that a dead worker left got through these rungs: they are not judged again
    // against the trials that reached them since (ASHA promotes once).
    this.rungs ??= reports.rungs.get(`${this.number}:mean`) ?? [];
    const j = judge(this.plan, this.id, this.number, 'mean', mean, this.rungs, { trials, reports });
    this.rungs = j.rungs;
    await this.study.savePruning(this.id, this.number, 'mean', j.rungs, j.estimates);
    return j.prune;
  }
}

/**
 * The pruner of one fold of a running trial whose folds run one after another (an objective's
 * `ctx.report`). `ctx.report` is synchronous, so each report is judged at once against a
 * snapshot of the other trials' reports on this fold (read when the fold starts, refreshed in
 * the background after each report, as Optuna reads its storage when asked); the trial's own
 * reports, rungs and the fold's estimates are written as they come.
 */
export class FoldPruning {
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
    private snapshot: Snapshot,
  ) {
    // The rungs an earlier run of this trial (its worker died) got through stand.
    this.rungs = snapshot.reports.rungs.get(`${number}:${fold}`) ?? [];
  }

  static async start(plan: Plan, id: string, number: number, fold: number, study: StudyStore): Promise<FoldPruning> {
    const [trials, reports] = await Promise.all([study.trials(id), study.reports(id)]);
    return new FoldPruning(plan, id, number, fold, study, { trials, reports });
  }

  /** Records a report and throws TrialPruned when the pruner stops the trial here. */
  report(step: number, value: number): void {
    this.curve.push([step, value]);
    const curve = [...this.curve];
    this.write(() => this.study.saveCurves(this.id, this.number, [[this.fold, curve]]));
    if (this.plan.pruner.kind === 'none') return;
    const j = judge(this.plan, this.id, this.number, this.fold, this.curve, this.rungs, this.snapshot);
    this.rungs = j.rungs;
    const label = String(this.fold);
    const { pruner } = this.snapshot.reports;
    if (j.estimates && !pruner.has(label)) pruner.set(label, j.estimates);
    const rungs = [...this.rungs];
    this.write(() => this.study.savePruning(this.id, this.number, this.fold, rungs, j.estimates));
    if (j.prune) throw new TrialPruned(step, value);
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
