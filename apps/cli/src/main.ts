import { loadConfig } from '@gridfold/core';
import { Command, CommanderError } from 'commander';
import { registerArtifacts } from './commands/artifacts.js';
import { registerInspect } from './commands/inspect.js';
import { registerRemove } from './commands/remove.js';
import { registerRun } from './commands/run.js';
import { registerServe } from './commands/serve.js';
import { registerStart } from './commands/start.js';
import { registerWorkers } from './commands/workers.js';

const program = new Command('gridfold')
  .description('Distributed cross-validation and hyperparameter sweeps on Redis')
  .showHelpAfterError()
  .exitOverride();

try {
  // The one read of the environment: every command gets its settings from here.
  const config = loadConfig(process.env);
  registerRun(program, config);
  registerServe(program, config);
  registerInspect(program, config);
  registerRemove(program, config);
  registerStart(program, config);
  registerArtifacts(program, config);
  registerWorkers(program, config);
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  console.error(`gridfold: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
