import type { GridfoldConfig } from '@gridfold/core';
import type { Command } from 'commander';
import { ApiClient, ApiError } from '../api-client.js';
import { formatBytes } from '../report.js';

/** `gridfold rm <id>` and `gridfold prune --older-than <age>`: delete experiments through the API. */
export function registerRemove(program: Command, config: GridfoldConfig): void {
  program
    .command('rm')
    .argument('<id>', 'experiment id')
    .option('--cancel', 'cancel it first if it is still queued or running, then delete it once its running tasks end')
    .option('--api <url>', 'gridfold API', config.apiUrl)
    .option('--json', 'print the API response as JSON')
    .description('delete an ended experiment with everything it keeps in Redis')
    .action(async (id: string, flags: { cancel?: boolean; api: string; json?: boolean }) => {
      const client = new ApiClient(flags.api, config.token);
      const done = await removeExperiment(client, id, Boolean(flags.cancel));
      process.stdout.write(flags.json ? `${JSON.stringify(done)}\n` : `deleted ${id}: freed ${formatBytes(done.freed_bytes)}, ${done.removed_jobs} job(s) removed\n`);
    });
  program
    .command('prune')
    .requiredOption('--older-than <age>', 'delete ended experiments older than this: 30d, 12h, 90m or 45s')
    .option('--api <url>', 'gridfold API', config.apiUrl)
    .option('--json', 'print the API response as JSON')
    .description('delete every ended experiment older than an age')
    .action(async (flags: { olderThan: string; api: string; json?: boolean }) => {
      const done = await new ApiClient(flags.api, config.token).prune(flags.olderThan);
      if (flags.json) return void process.stdout.write(`${JSON.stringify(done)}\n`);
      const kept = done.kept.length ? `; kept ${done.kept.length} still running: ${done.kept.map((k) => k.id).join(', ')}` : '';
      process.stdout.write(`deleted ${done.purged.length} experiment(s) that ended before ${new Date(done.cutoff).toISOString()}, freed ${formatBytes(done.freed_bytes)}${kept}\n`);
    });
}

/**
 * Purges an experiment; with `cancel`, a queued or running one is cancelled first and purged
 * once the tasks it had begun end (polled every `pollMs`, for at most `timeoutMs`).
 */
export async function removeExperiment(client: ApiClient, id: string, cancel: boolean, pollMs = 500, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (let cancelled = false; ; ) {
    try {
      return await client.purge(id);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 409 || !cancel || Date.now() > deadline) throw err;
    }
    if (!cancelled) {
      const view = await client.get(id);
      if (view.status === 'queued' || view.status === 'running') await client.cancel(id);
      cancelled = true;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
