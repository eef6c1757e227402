import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
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

/**
 * The logger of one part of gridfold (`role`: `api`, `worker`, `processor`, `cli`), on stderr:
 * pino's JSON lines, or in the pretty format one coloured line per entry
 * (`12:04:05 INFO worker 4711: worker started {"concurrency":1,...}`), written synchronously
 * so that lines keep their order next to a progress bar.
 */
export function createLogger(settings: LogSettings, role: string): Logger {
  const options = { base: { role, pid: process.pid }, level: settings.logLevel };
  if (resolveLogFormat(settings.logFormat) === 'json') return pino(options, pino.destination(2));
  const stream = pretty({
    destination: 2,
    sync: true,
    colorize: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,role',
    messageFormat: '{role} {pid}: {msg}',
  });
  return pino(options, stream);
}
