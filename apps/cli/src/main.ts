import { Command, CommanderError } from 'commander';
import { registerInspect } from './commands/inspect.js';
import { registerRun } from './commands/run.js';
import { registerServe } from './commands/serve.js';
import { registerStart } from './commands/start.js';

const program = new Command('gridfold')
  .description('Distributed cross-validation and hyperparameter sweeps on Redis')
  .showHelpAfterError()
  .exitOverride();

registerRun(program);
registerServe(program);
registerInspect(program);
registerStart(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  console.error(`gridfold: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
