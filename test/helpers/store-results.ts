import type { Task, TaskResult } from '@gridfold/core';
import type { ExperimentStore, RunRef } from '@gridfold/queue';

/**
 * Stores the results of `tasks` as a worker does (beginTask, then endTask with each cell's
 * `score` on the task's fold), without running a fit: for tests of what the API shows of a
 * sweep, large ones included (in chunks of 2,000 tasks, so the store's scripts go out in bounded batches).
 */
export async function storeResults(store: ExperimentStore, id: string, tasks: readonly Task[], score: (cell: number, fold: number) => number, run: RunRef = { generation: 0, fingerprint: '' }): Promise<void> {
  for (let i = 0; i < tasks.length; i += 2000) {
    const chunk = tasks.slice(i, i + 2000);
    await Promise.all(chunk.map((t) => store.beginTask(id, t.index, 'w1', run)));
    await Promise.all(
      chunk.map((t) => {
        const result: TaskResult = { task: t.index, fold: t.fold, ms: 100, cells: t.cells.map((cell) => ({ cell, test_score: score(cell, t.fold), fit_ms: 1, score_ms: 1 })) };
        return store.endTask(id, result, run);
      }),
    );
  }
}
