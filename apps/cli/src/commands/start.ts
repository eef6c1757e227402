import type { GridfoldConfig } from '@gridfold/core';
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '../api-client.js';
import { follow } from '../follow.js';
import { formatResult } from '../report.js';
import { gatherLocalFiles, uploadLocalFiles } from '../local-files.js';
import { readSpecFile } from '../spec-file.js';
import { INSECURE_HELP, serve, stayUp, withFlags, type ServeFlags } from './serve.js';

const SEED_GRID = fileURLToPath(new URL('../../../../experiments/mnist-knn-grid.json', import.meta.url));

/**
 * `npm start`: serve with 2 workers, submit the seed KNN grid, follow it to the end, print
 * best params, best score, test accuracy and the Bull Board URL, then stay up until Ctrl-C.
 */
export function registerStart(program: Command, config: GridfoldConfig): void {
  program
    .command('start')
    .description('serve with 2 workers and run the seed KNN grid search (experiments/mnist-knn-grid.json)')
    .option('--workers <n>', 'local worker processes', (v) => Number(v), 2)
    .option('--port <port>', 'API port', (v) => Number(v), config.port)
    .option('--spec <file>', 'spec to run', SEED_GRID)
    .option('--json', 'log JSON lines, also on a terminal, and print the result as one JSON object on stdout')
    .option('--insecure', INSECURE_HELP)
    .action(async (flags: Omit<ServeFlags, 'host'> & { spec: string }) => {
      const served = await serve(withFlags(config, { ...flags, host: config.host }), flags.workers);
      stayUp(served);
      try {
        await runSpec(config, served, flags);
      } catch (err) {
        // Nothing is left running when the spec cannot be run: the workers and a private Redis stop too.
        await served.stop();
        throw err;
      }
    });
}

/** Submits the spec to the API `served` started and prints its result when it ends. */
async function runSpec(config: GridfoldConfig, served: Awaited<ReturnType<typeof serve>>, flags: { spec: string; json?: boolean }): Promise<void> {
  const client = new ApiClient(served.url, config.token);
  const spec = await readSpecFile(flags.spec);
  // Plugins and data files next to the spec travel as artifacts, as with `gridfold run`.
  const object = spec !== null && typeof spec === 'object' && !Array.isArray(spec) ? (spec as Record<string, unknown>) : null;
  const note = (line: string) => served.log.info(line);
  const sent = object ? await uploadLocalFiles(object, await gatherLocalFiles(object, flags.spec), served.url, config.token, note) : spec;
  const { id, tasks } = await client.submit(sent);
  served.log.info({ spec: flags.spec, experiment: id, tasks }, `submitted ${flags.spec} as experiment ${id} (${tasks} tasks)`);
  const result = await follow(client, id);
  const links = `Bull Board: ${served.url}/admin/queues   API: ${served.url}/api/experiments/${id}`;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    served.log.info(`${links}; still serving, Ctrl-C stops`);
    return;
  }
  process.stdout.write(`\n${formatResult(result)}\n\n`);
  process.stdout.write(`${links}\n`);
  process.stdout.write('gridfold is still serving; press Ctrl-C to stop.\n');
}
