import type { GridfoldConfig } from '@gridfold/core';
import type { Command } from 'commander';
import { ApiClient } from '../api-client.js';

/** `gridfold artifacts ls` and `gridfold artifacts rm <sha256>`, through the API with the token. */
export function registerArtifacts(program: Command, config: GridfoldConfig): void {
  const artifacts = program.command('artifacts').description("list or delete the API's artifacts (plugin bundles, datasets)");
  artifacts
    .command('ls')
    .option('--api <url>', 'gridfold API', config.apiUrl)
    .option('--json', 'print the API response as JSON')
    .description('list artifacts, newest first: sha256, size, name, experiments using each')
    .action(async (flags: { api: string; json?: boolean }) => {
      const list = await new ApiClient(flags.api, config.token).artifacts();
      if (flags.json) return void process.stdout.write(`${JSON.stringify(list)}\n`);
      for (const a of list.artifacts) {
        process.stdout.write(`${a.sha256}  ${formatBytes(a.size).padStart(10)}  ${(a.name ?? '-').padEnd(24)}  ${a.experiments.join(',') || '-'}\n`);
      }
      process.stdout.write(`${list.artifacts.length} artifact(s), ${formatBytes(list.total_bytes)} of ${formatBytes(list.max_bytes)}\n`);
    });
  artifacts
    .command('rm')
    .argument('<sha256>', "the artifact's sha256")
    .option('--api <url>', 'gridfold API', config.apiUrl)
    .description('delete an artifact (refused while a queued or running experiment uses it)')
    .action(async (sha: string, flags: { api: string }) => {
      await new ApiClient(flags.api, config.token).deleteArtifact(sha);
      process.stdout.write(`deleted ${sha}\n`);
    });
}

/** Bytes for people: `512 B`, `4.9 KiB`, `1.0 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  const power = Math.min(units.length - 1, bytes > 0 ? Math.floor(Math.log2(bytes) / 10) : 0);
  return power === 0 ? `${bytes} B` : `${(bytes / 1024 ** power).toFixed(1)} ${units[power]}`;
}
