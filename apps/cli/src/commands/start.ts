import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '../api-client.js';
import { follow } from '../follow.js';
import { formatResult } from '../report.js';
import { readSpecFile } from '../spec-file.js';
import { serve, stayUp } from './serve.js';

const SEED_GRID = fileURLToPath(new URL('../../../../experiments/mnist-knn-grid.json', import.meta.url));

/**
 * `npm start`: serve with 2 workers, submit the seed KNN grid, follow it to the end, print
 * best params, best score, test accuracy and the Bull Board URL, then stay up until Ctrl-C.
 */
export function registerStart(program: Command): void {
  program
    .command('start')
    .description('serve with 2 workers and run the seed KNN grid search (experiments/mnist-knn-grid.json)')
    .option('--workers <n>', 'local worker processes', (v) => Number(v), 2)
    .option('--port <port>', 'API port', (v) => Number(v), Number(process.env.PORT ?? 3000))
    .option('--spec <file>', 'spec to run', SEED_GRID)
    .action(async (flags: { workers: number; port: number; spec: string }) => {
      const served = await serve({ workers: flags.workers, port: flags.port, host: process.env.HOST ?? '127.0.0.1' });
      stayUp(served);
      const client = new ApiClient(served.url);
      const { id, tasks } = await client.submit(await readSpecFile(flags.spec));
      process.stderr.write(`submitted ${flags.spec} as experiment ${id} (${tasks} tasks)\n`);
      const result = await follow(client, id);
      process.stdout.write(`\n${formatResult(result)}\n\n`);
      process.stdout.write(`Bull Board: ${served.url}/admin/queues   API: ${served.url}/api/experiments/${id}\n`);
      process.stdout.write('gridfold is still serving; press Ctrl-C to stop.\n');
    });
}
