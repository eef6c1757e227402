import type { SearchSummary } from '../aggregate/aggregate.js';
import { aggregateResults } from '../aggregate/aggregate.js';
import { combineRounds, nextRound } from '../aggregate/halving.js';
import type { Dataset } from '../datasets/load.js';
import type { TaskResult } from '../evaluate/task-result.js';
import { firstRound, halvingOf, roundPlan, scheduleFor, type HalvingRound } from '../plan/halving-rounds.js';
import type { Plan, Task } from '../plan/plan.js';

/** A whole successive-halving search in this process, `runTask` fitting each task of each round's plan. */
export async function runHalving(plan: Plan, dataset: Dataset, runTask: (roundPlan: Plan, task: Task) => Promise<TaskResult>): Promise<{ summary: SearchSummary; results: TaskResult[] }> {
  const { settings, cv } = halvingOf(plan);
  const schedule = scheduleFor(plan, dataset);
  const rounds: Array<{ round: HalvingRound; results: TaskResult[] }> = [];
  let round: HalvingRound | null = firstRound(schedule, plan.grid);
  while (round) {
    const rp = roundPlan(plan, round, schedule.max_resources);
    const results: TaskResult[] = [];
    for (const task of rp.tasks) results.push(await runTask(rp, task));
    rounds.push({ round, results });
    round = nextRound(settings.factor, schedule, round, rp, aggregateResults(rp, results));
  }
  return { summary: combineRounds(cv, rounds), results: rounds.flatMap((r) => r.results) };
}
