import { configureKernels, runExperiment, SpecError, type ExperimentResult, type GridfoldConfig } from '@gridfold/core';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { formatResult } from '../report.js';
import { readSpecFile } from '../spec-file.js';

export interface RunFlags {
  local?: boolean;
  json?: boolean;
  api: string;
}

/** `gridfold run <spec>`: run an experiment and print its results (a table, or one JSON object). */
export function registerRun(program: Command, config: GridfoldConfig): void {
  program
    .command('run')
    .argument('<spec>', 'experiment spec (JSON file)')
    .option('--local', 'run in this process, without Redis')
    .option('--json', 'print exactly one JSON object on stdout (progress and logs go to stderr)')
    .option('--api <url>', 'gridfold API to submit to', config.apiUrl)
    .description('run an experiment spec and print its results')
    .action(async (specPath: string, flags: RunFlags) => {
      const spec = await readSpecFile(specPath);
      if (!flags.local) {
        const { runRemote } = await import('./run-remote.js');
        return finish(await runRemote(spec, flags, config.token), flags);
      }
      finish(await runLocal(spec, config), flags);
    });
}

async function runLocal(spec: unknown, config: GridfoldConfig): Promise<ExperimentResult> {
  configureKernels({ threads: config.threads, tfjsBackend: config.tfjsBackend });
  const bar = process.stderr.isTTY ? new SingleBar({ format: 'tasks {bar} {value}/{total} | {stage} | eta {eta}s', stream: process.stderr }, Presets.shades_classic) : null;
  try {
    return await runExperiment(spec, {
      dataDir: config.dataDir,
      onProgress: ({ done, total, stage }) => {
        if (!bar) return;
        if (!bar.isActive) bar.start(total, 0, { stage });
        bar.update(done, { stage });
        if (stage === 'done') bar.stop();
      },
    });
  } catch (err) {
    if (err instanceof SpecError) throw new Error(err.message);
    throw err;
  } finally {
    bar?.stop();
  }
}

/** Prints the result; a failed experiment exits non-zero. */
export function finish(result: ExperimentResult, flags: { json?: boolean }): void {
  process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : `${formatResult(result)}\n`);
  if (result.status !== 'completed') process.exitCode = 1;
}
