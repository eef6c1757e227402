import { failedResult, type ExperimentResult } from '@gridfold/core';
import { Presets, SingleBar } from 'cli-progress';
import type { ExperimentDetail } from '@gridfold/queue';
import type { ApiClient } from './api-client.js';

/**
 * Polls an experiment until it ends, showing a progress bar with ETA on stderr when that is
 * a terminal, and returns its final result.
 */
export async function follow(client: ApiClient, id: string, intervalMs = 500): Promise<ExperimentResult> {
  const bar = process.stderr.isTTY ? new SingleBar({ format: 'tasks {bar} {value}/{total} | {status} | eta {etaText}', stream: process.stderr }, Presets.shades_classic) : null;
  let view: ExperimentDetail;
  try {
    for (;;) {
      view = await client.get(id);
      const { done, total, eta_ms } = view.progress;
      if (bar) {
        if (!bar.isActive) bar.start(total, 0, { status: view.status, etaText: '?' });
        bar.update(done, { status: view.status, etaText: eta_ms === null ? '?' : `${Math.ceil(eta_ms / 1000)}s` });
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
