import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SpecIssue } from '@gridfold/core';

/** What the API sends the plugin check: the spec, its size limit, and each plugin's bundle (by the spec's ref). */
export interface PluginCheckRequest {
  spec: unknown;
  maxCellFolds: number;
  bundles: Record<string, string>;
}

/** The check's answer: the spec is valid (with the task groups its estimators give), or its issues, or why the check itself failed. */
export type PluginCheckReply = { ok: true; groups?: number[][] } | { ok: false; issues: SpecIssue[] } | { ok: false; error: string };

const CHILD = fileURLToPath(new URL('./plugin-check-child.js', import.meta.url));

/** Limits of one plugin check. */
export interface PluginCheckOptions {
  /** How long loading the plugins and checking the spec may take, milliseconds. @defaultValue 20000 */
  timeoutMs?: number;
  /** Heap of the check's process, MiB. @defaultValue 1024 */
  maxHeapMb?: number;
}

/**
 * Checks a spec that names plugins the way a worker will run it (its estimators' own parameter
 * checks, the task groups their share keys give) in a child process that loads the plugins,
 * answers once and exits: a user's code never runs in the API's own process, so a plugin that
 * loops, exits or exhausts memory while loading costs one child, not the API. A child past its
 * time is killed and the plugins are reported as not loading in time.
 */
export function checkPlugins(request: PluginCheckRequest, options: PluginCheckOptions = {}): Promise<PluginCheckReply> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise((resolve) => {
    const child = fork(CHILD, [], { execArgv: [`--max-old-space-size=${options.maxHeapMb ?? 1024}`], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
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
    child.send(request);
  });
}
