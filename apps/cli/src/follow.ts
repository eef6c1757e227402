import type { ExperimentResult } from '@gridfold/core';
import { Presets, SingleBar } from 'cli-progress';
import type { ApiClient, ExperimentView } from './api-client.js';

/**
 * Polls an experiment until it ends, showing a progress bar with ETA on stderr when that is
 * a terminal, and returns its final result.
 */
export async function follow(client: ApiClient, id: string, intervalMs = 500): Promise<ExperimentResult> {
  const bar = process.stderr.isTTY ? new SingleBar({ format: 'tasks {bar} {value}/{total} | {status} | eta {etaText}', stream: process.stderr }, Presets.shades_classic) : null;
  let view: ExperimentView;
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
  return {
    id,
    name: view.name,
    status: view.status,
    error: view.error,
    cv_results: null,
    best_params: null,
    best_score: null,
    best_index: null,
    test: null,
    metrics: {},
    errors: [],
    timings: { total_ms: Date.now() - view.created_at, cv_ms: 0, refit_ms: 0, test_ms: 0 },
    tasks: { done: view.progress.done, total: view.progress.total },
  };
}
