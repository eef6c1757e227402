import type { ExperimentResult, SearchSummary } from '@gridfold/core';

/**
 * Stands in a stored result for a part that the experiment's hash already holds: cv_results
 * (in the summary) and the out-of-fold metrics (in `metrics`). The result is rebuilt whole on
 * read, so every response keeps its shape while each part is stored once.
 */
export const STORED_ONCE = '@stored-once';

/** The result as stored: cv_results and metrics replaced by {@link STORED_ONCE} where they equal what the hash holds. */
export function packResult(result: ExperimentResult, summaryJson: string | null, metricsJson: string | null): string {
  const packed: Record<string, unknown> = { ...result };
  if (result.cv_results !== null && summaryJson !== null) {
    const summary = JSON.parse(summaryJson) as SearchSummary;
    if (JSON.stringify(result.cv_results) === JSON.stringify(summary.cv_results)) packed.cv_results = STORED_ONCE;
  }
  if (metricsJson !== null && JSON.stringify(result.metrics) === metricsJson) packed.metrics = STORED_ONCE;
  return JSON.stringify(packed);
}

/** The whole result from {@link packResult}'s JSON and the summary and metrics it left out. */
export function unpackResult(json: string, summary: SearchSummary | null, metrics: Record<string, unknown>): ExperimentResult {
  const result = JSON.parse(json) as ExperimentResult;
  if ((result.cv_results as unknown) === STORED_ONCE) result.cv_results = summary?.cv_results ?? null;
  if ((result.metrics as unknown) === STORED_ONCE) result.metrics = metrics;
  return result;
}
