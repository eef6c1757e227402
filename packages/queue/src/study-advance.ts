import type { Plan } from '@gridfold/core';
import type { FlowProducer } from 'bullmq';
import { buildStudyFinish, buildTrialJob, studyChains, type JobRun } from './flow.js';
import type { StudyStore } from './study-store.js';

/**
 * What follows trial `number` of a study once it has ended (however: completed, pruned, failed,
 * or its job failed for good): its chain's next trial, and, when every trial has ended, the
 * aggregate and refit. Idempotent (fixed job ids), so a redelivered trial that finds itself
 * ended already calls it again safely.
 * @param ended - the ended trials counted when this one was recorded (null: read it)
 */
export async function advanceStudy(studies: StudyStore, flows: FlowProducer, id: string, prefix: string, plan: Plan, run: JobRun, number: number, ended: number | null): Promise<void> {
  if (plan.search.kind !== 'tpe') throw new Error('not a study');
  const total = plan.search.n_trials;
  const next = number + studyChains(plan);
  if (next < total) await flows.add(buildTrialJob(id, prefix, next, run));
  if ((ended ?? (await studies.ended(id))) >= total) await flows.add(buildStudyFinish(id, prefix, run));
}
