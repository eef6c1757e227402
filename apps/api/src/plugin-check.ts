import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SpecIssue } from '@gridfold/core';

/** What the API sends the plugin check: the spec, its size limit, and each plugin's bundle (by the spec's ref). */
export interface PluginCheckRequest {
  spec: unknown;
  maxCellFolds: number;
  bundles: Record<string, string>;
}

/** The check's answer: the spec is valid (with the task groups its estimators give), or its issues, or why the check itself failed. */
export type PluginCheckReply = ({ ok: true; groups?: number[][] } | { ok: false; issues: SpecIssue[] } | { ok: false; error: string }) & {
  /** The process that checked, when one answered. */
  pid?: number;
};

const CHILD = fileURLToPath(new URL('./plugin-check-child.js', import.meta.url));

/** Limits of one plugin check. */
export interface PluginCheckOptions {
  /** How long loading the plugins and checking the spec may take, milliseconds. @defaultValue 20000 */
  timeoutMs?: number;
  /** Heap of the check's process, MiB. @defaultValue 1024 */
  maxHeapMb?: number;
}

/**
 * Checks specs that name plugins the way a worker will run them (their estimators' own parameter
 * checks, the task groups their share keys give), each in a child process of its own that loads
 * the plugins, answers once and exits: a user's code never runs in the API's own process, nor in
 * a process that checked another spec, so a plugin that loops, exits, exhausts memory or leaves
 * globals behind while loading costs one child, not the API or the next check. A child past its
 * time is killed and the plugins are reported as not loading in time.
 *
 * Starting a child and loading gridfold's modules in it takes about 2 s of CPU (tsx, core, queue),
 * which at a busy API's load went past its Redis deadline: so after a check, one spare child is
 * started and loads them while nothing waits, and the next check takes it. The first check starts
 * its own; an API that never checks a plugin never starts one.
 */
export class PluginChecker {
  private spare: ChildProcess | undefined;
  private closed = false;

  constructor(private readonly options: PluginCheckOptions = {}) {}

  /** The pid of the spare child waiting for the next check, if there is one (for tests and diagnostics). */
  get sparePid(): number | undefined {
    return this.spare?.pid;
  }

  /** Checks one spec in a child of its own. Never rejects: a failed check is its reply. */
  check(request: PluginCheckRequest): Promise<PluginCheckReply> {
    const spare = this.spare;
    this.spare = undefined;
    const child = spare && spare.exitCode === null && spare.signalCode === null && spare.connected ? spare : this.fork();
    if (child !== spare) spare?.kill('SIGKILL');
    return runCheck(child, request, this.options.timeoutMs ?? 20_000).finally(() => {
      if (!this.closed && !this.spare) this.spare = this.fork();
    });
  }

  /** Kills the spare child. Idempotent; checks under way end by themselves. */
  close(): void {
    this.closed = true;
    this.spare?.kill('SIGKILL');
    this.spare = undefined;
  }

  private fork(): ChildProcess {
    const child = fork(CHILD, [], { execArgv: [`--max-old-space-size=${this.options.maxHeapMb ?? 1024}`], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
    // A spare must not keep the API's process alive, nor outlive it (it exits when its channel closes).
    child.unref();
    child.channel?.unref();
    (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    child.on('error', () => {});
    return child;
  }
}

/** Sends `request` to a child that is starting or waiting, and resolves with its one reply or why there is none. */
function runCheck(child: ChildProcess, request: PluginCheckRequest, timeoutMs: number): Promise<PluginCheckReply> {
  return new Promise((resolve) => {
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    let settled = false;
    const done = (reply: PluginCheckReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
      resolve(reply);
    };
    const timer = setTimeout(() => done({ ok: false, issues: [{ path: 'plugins', message: `did not load and check within ${timeoutMs / 1000} s (a plugin that loops while loading?)` }] }), timeoutMs);
    child.once('message', (reply: PluginCheckReply) => done(reply));
    child.once('error', (err) => done({ ok: false, error: `the plugin check could not start: ${err.message}` }));
    child.once('exit', (code, signal) => {
      const last = stderr.trim().split('\n').filter(Boolean).at(-1);
      done({ ok: false, issues: [{ path: 'plugins', message: `loading the plugins ended their process (exit code ${code}, signal ${signal})${last ? `: ${last}` : ''}` }] });
    });
    child.send(request, (err) => err && done({ ok: false, error: `the plugin check could not start: ${err.message}` }));
  });
}
