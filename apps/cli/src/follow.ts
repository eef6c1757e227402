import { failedResult, studyCounts, type ExperimentResult } from '@gridfold/core';
import { Presets, SingleBar } from 'cli-progress';
import type { ExperimentDetail } from '@gridfold/queue';
import type { ApiClient } from './api-client.js';
import { studyProgressLine } from './report.js';

/** The progress bar's line: tasks done of total, or for a study (its progress counts trials) how its trials stand. */
export const BAR_FORMAT = 'tasks {bar} {value}/{total} | {status} | eta {etaText}';
export const STUDY_BAR_FORMAT = 'trials {bar} {study} | {status} | eta {etaText}';

/**
 * Polls an experiment until it ends, showing a progress bar with ETA on stderr when that is
 * a terminal (for a study: trials ended, pruned and running, and the best score so far), and
 * returns its final result.
 */
export async function follow(client: ApiClient, id: string, intervalMs = 500): Promise<ExperimentResult> {
  let bar: SingleBar | null = null;
  let view: ExperimentDetail;
  try {
    for (;;) {
      view = await client.get(id);
      const { done, total, eta_ms } = view.progress;
      if (process.stderr.isTTY) {
        const study = (view.spec as { search?: { kind?: string } }).search?.kind === 'tpe';
        bar ??= new SingleBar({ format: study ? STUDY_BAR_FORMAT : BAR_FORMAT, stream: process.stderr }, Presets.shades_classic);
        const payload = { status: view.status, etaText: eta_ms === null ? '?' : `${Math.ceil(eta_ms / 1000)}s`, study: study ? studyText(view, done, total) : '' };
        if (!bar.isActive) bar.start(total, 0, payload);
        bar.update(done, payload);
      }
      if (['completed', 'failed', 'cancelled'].includes(view.status)) break;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  } finally {
    bar?.stop();
  }
  if (view.result) return view.result;
  const status = view.status === 'cancelled' ? 'cancelled' : 'failed';
  return failedResult(id, view.name, view.error, Date.now() - view.created_at, { done: view.progress.done, total: view.progress.total }, status);
}

/** A study's progress line from the API's view (partial cv_results carry each trial's state). */
export function studyText(view: Pick<ExperimentDetail, 'cv_results'>, done: number, total: number): string {
  const c = studyCounts(view.cv_results) ?? { ended: done, complete: 0, pruned: 0, failed: 0, running: 0, best: null };
  return studyProgressLine({ ...c, ended: Math.max(c.ended, done) }, total);
}
