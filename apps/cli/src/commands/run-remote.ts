import type { ExperimentResult } from '@gridfold/core';
import { ApiClient } from '../api-client.js';
import { follow } from '../follow.js';

/** Submits a spec to the API (with `token` when set) and follows it to the end. */
export async function runRemote(spec: unknown, flags: { api: string }, token?: string): Promise<ExperimentResult> {
  const client = new ApiClient(flags.api, token);
  const { id, tasks } = await client.submit(spec);
  process.stderr.write(`submitted experiment ${id} (${tasks} tasks) to ${flags.api}\n`);
  return follow(client, id);
}
