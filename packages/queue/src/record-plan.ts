import { checkSpec, planExperiment, type Plan } from '@gridfold/core';
import type { ExperimentRecord } from './store.js';

/**
 * The plan of a stored experiment, the same in every process: its spec passed the API's size
 * limit when it was taken (so none applies here), and the task groups planned where its
 * plugins were loaded are used as stored.
 * @throws SpecError when the stored spec is no longer valid
 */
export function planOfRecord(record: Pick<ExperimentRecord, 'spec'> & { groups?: number[][] }): Plan {
  return planExperiment(checkSpec(storedSpec(record.spec), { maxCellFolds: Number.MAX_SAFE_INTEGER }), { groups: record.groups });
}

/**
 * A stored spec as it was planned when it was taken. Specs are stored checked, every default
 * filled in, so one without `batch_size` was taken before batches existed and ran one fit a
 * task: it keeps that plan (its queued jobs and stored results are by those task indices).
 */
export function storedSpec<S extends object>(spec: S): S {
  return 'batch_size' in spec ? spec : { ...spec, batch_size: 1 };
}
