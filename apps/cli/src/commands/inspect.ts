import type { GridfoldConfig } from '@gridfold/core';
import type { Command } from 'commander';
import { ApiClient } from '../api-client.js';
import { formatBytes, formatResult } from '../report.js';

/** `gridfold status <id>` and `gridfold list`. */
export function registerInspect(program: Command, config: GridfoldConfig): void {
  const api = config.apiUrl;
  program
    .command('status')
    .argument('<id>', 'experiment id')
    .option('--api <url>', 'gridfold API', api)
    .option('--json', 'print the API response as JSON')
    .description('show one experiment')
    .action(async (id: string, flags: { api: string; json?: boolean }) => {
      const view = await new ApiClient(flags.api, config.token).get(id);
      if (flags.json) return void process.stdout.write(`${JSON.stringify(view)}\n`);
      const { done, total, eta_ms } = view.progress;
      process.stdout.write(`${view.name} (${view.id}): ${view.status} · ${done}/${total} tasks${eta_ms ? ` · eta ${Math.ceil(eta_ms / 1000)}s` : ''} · ${formatBytes(view.redis_bytes)} in Redis\n`);
      if (view.result) process.stdout.write(`${formatResult(view.result)}\n`);
    });
  program
    .command('list')
    .option('--api <url>', 'gridfold API', api)
    .description('list experiments, newest first')
    .action(async (flags: { api: string }) => {
      const { experiments } = await new ApiClient(flags.api, config.token).list();
      for (const e of experiments) {
        process.stdout.write(`${e.id}  ${e.name.padEnd(28)} ${e.status.padEnd(9)} ${e.progress.done}/${e.progress.total}  ${e.best_score ?? ''}\n`);
      }
    });
}
