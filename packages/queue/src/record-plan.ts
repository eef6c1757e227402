import { checkSpec, planExperiment, type Plan } from '@gridfold/core';
import type { ExperimentRecord } from './store.js';

/**
 * The plan of a stored experiment, the same in every process: its spec passed the API's size
 * limit when it was taken (so none applies here), and the task groups planned where its
 * plugins were loaded are used as stored.
 * @throws SpecError when the stored spec is no longer valid
 */
export function planOfRecord(record: Pick<ExperimentRecord, 'spec'> & { groups?: number[][] }): Plan {
  return planExperiment(checkSpec(record.spec, { maxCellFolds: Number.MAX_SAFE_INTEGER }), { groups: record.groups });
}
