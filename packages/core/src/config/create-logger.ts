import { writeSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { GridfoldConfig, LogFormat } from './config.js';

/** The settings a logger is made from. */
export type LogSettings = Pick<GridfoldConfig, 'logFormat' | 'logLevel'>;

/**
 * What `format` comes to here: `auto` is `pretty` when stderr is a terminal, else `json`. A
 * process that starts others passes its answer on (their stderr is often a pipe to its own).
 */
export function resolveLogFormat(format: LogFormat, stderrIsTerminal = Boolean(process.stderr.isTTY)): 'pretty' | 'json' {
  if (format !== 'auto') return format;
  return stderrIsTerminal ? 'pretty' : 'json';
}

const prettify = prettyFactory({
  colorize: true,
  singleLine: true,
  translateTime: 'SYS:HH:MM:ss',
  ignore: 'pid,hostname,role',
  messageFormat: '{role} {pid}: {msg}',
});

// Each pretty line first clears the terminal line it lands on: a progress bar drawn there
// (the CLI's, while it follows an experiment) is replaced by the log line and redrawn below it.
const terminal = { write: (line: string) => void writeSync(2, `\r\x1b[2K${prettify(line)}`) };

/**
 * The logger of one part of gridfold (`role`: `api`, `worker`, `processor`, `cli`), on stderr:
 * pino's JSON lines, or in the pretty format one coloured line per entry for a terminal
 * (`[12:04:05] INFO: worker 4711: worker started {"concurrency":1,...}`), written synchronously.
 */
export function createLogger(settings: LogSettings, role: string): Logger {
  const options = { base: { role, pid: process.pid }, level: settings.logLevel };
  return pino(options, resolveLogFormat(settings.logFormat) === 'json' ? pino.destination(2) : terminal);
}
