import { configureKernels, evaluatePlugin, runExperiment, SpecError, type ExperimentResult, type GridfoldConfig, type LoadedPlugin } from '@gridfold/core';
import { hostModules } from '@gridfold/queue';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { formatResult, studyProgressLine } from '../report.js';
import { gatherLocalFiles, uploadLocalFiles, type LocalFiles } from '../local-files.js';
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
    .description('run an experiment spec and print its results; plugins and data files it names are found next to it (and uploaded to the API)')
    .action(async (specPath: string, flags: RunFlags) => {
      const spec = await readSpecFile(specPath);
      const object = spec !== null && typeof spec === 'object' && !Array.isArray(spec) ? (spec as Record<string, unknown>) : null;
      const files: LocalFiles = object ? await gatherLocalFiles(object, specPath) : { plugins: [], data: {} };
      if (!flags.local) {
        const { runRemote } = await import('./run-remote.js');
        const note = (line: string) => process.stderr.write(`${line}\n`);
        const sent = object ? await uploadLocalFiles(object, files, flags.api, config.token, note) : spec;
        return finish(await runRemote(sent, flags, config.token), flags);
      }
      finish(await runLocal(spec, files, config), flags);
    });
}

async function runLocal(spec: unknown, files: LocalFiles, config: GridfoldConfig): Promise<ExperimentResult> {
  configureKernels({ threads: config.threads, tfjsBackend: config.tfjsBackend });
  // The same bundles a worker would load, evaluated here; the spec names them by their sha256 as a submitted one does.
  const plugins: LoadedPlugin[] = [];
  for (const p of files.plugins) plugins.push(evaluatePlugin(p.code, p.ref, await hostModules(p.code)));
  if (files.plugins.length) {
    const object = spec as Record<string, unknown>;
    spec = { ...object, artifacts: { ...(object.artifacts as object), ...Object.fromEntries(files.plugins.map((p) => [p.ref, p.sha256])) } };
  }
  // A study's progress counts trials and says how they stand (the first trial's line comes as it ends).
  const isStudy = (spec as { search?: { kind?: string } } | null)?.search?.kind === 'tpe';
  const format = isStudy ? 'trials {bar} {study} | {stage} | eta {eta}s' : 'tasks {bar} {value}/{total} | {stage} | eta {eta}s';
  const bar = process.stderr.isTTY ? new SingleBar({ format, stream: process.stderr }, Presets.shades_classic) : null;
  let line = '';
  try {
    return await runExperiment(spec, {
      dataDir: config.dataDir,
      plugins,
      files: files.data,
      onProgress: ({ done, total, stage, study }) => {
        if (!bar) return;
        if (study) line = studyProgressLine(study, total);
        if (!bar.isActive) bar.start(total, 0, { stage, study: line });
        bar.update(done, { stage, study: line });
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
