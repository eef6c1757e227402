import type { ExperimentResult } from '@gridfold/core';
import { ApiClient } from '../api-client.js';
import { follow } from '../follow.js';

/** Submits a spec to the API (with `token` when set) and follows it to the end. */
export async function runRemote(spec: unknown, flags: { api: string }, token?: string): Promise<ExperimentResult> {
  const client = new ApiClient(flags.api, token);
  const { id, tasks, fits } = await client.submit(spec);
  process.stderr.write(`submitted experiment ${id} (${submittedWork(tasks, fits)}) to ${flags.api}\n`);
  return follow(client, id);
}

/** `12 tasks`, or `3,000 fits in 1,500 tasks` when tasks group or batch fits. */
export function submittedWork(tasks: number, fits?: number): string {
  const n = (x: number) => x.toLocaleString('en');
  const plural = (x: number, word: string) => `${n(x)} ${word}${x === 1 ? '' : 's'}`;
  return fits !== undefined && fits !== tasks ? `${plural(fits, 'fit')} in ${plural(tasks, 'task')}` : plural(tasks, 'task');
}
