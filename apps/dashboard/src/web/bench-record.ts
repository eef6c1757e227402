import type { CvResults } from './api.js';

/**
 * A recorded benchmark of searches (bench/results/<name>.json, written by the bench itself, e.g.
 * bench/study-mlp.ts): bundled into the dashboard at build time, so the page shows the figures of
 * the run that wrote the file (its command and date are on the page), not a live measurement.
 */
export interface BenchResult {
  name: string;
  title: string;
  description: string;
  command: string;
  date: string;
  /** One real study of the run, drawn as the optimisation history draws an experiment's. */
  study: { label: string; cv: Pick<CvResults, 'params' | 'mean_test_score' | 'trial_state' | 'pruned_step' | 'pruned_value'> };
  /** Best so far against trials (x = trial number, 0 first) and against epochs spent: a mean over seeds (with its s.e.) or a constant. */
  by_trial: BenchReference[];
  by_epochs: BenchReference[];
  /** Vertical markers on the epochs chart (e.g. a third of the grid's epochs). */
  markers: Array<{ x: number; label: string }>;
  /** Lines of the bench's verdict (target held or missed, with the figures). */
  summary: string[];
}

export interface BenchReference {
  name: string;
  kind: 'mean' | 'constant';
  points: Array<[number, number, number | null]>;
}

/** Reference colours in the files' order; none is the history's own (blue dots, red best so far). */
export const REFERENCE_COLORS = ['#7c3aed', '#ea580c', '#6b7280', '#059669', '#0891b2', '#a16207'] as const;
