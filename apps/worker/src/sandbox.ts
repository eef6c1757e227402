import type { ForkOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Child, ChildCommand, ParentCommand, UnrecoverableError, type Job } from 'bullmq';

/** BullMQ's entry point of a sandboxed process, from the build that `import 'bullmq'` loads (its CommonJS one). */
const CHILD_MAIN = join(dirname(createRequire(import.meta.url).resolve('bullmq')), 'classes', 'main.js');

/** Why a job was stopped before its end. */
export type StopCause = 'timeout' | 'cancel';

/** A job stopped by its worker: out of time, or its experiment ended. BullMQ does not retry it. */
export class JobStopped extends UnrecoverableError {
  constructor(
    message: string,
    readonly stopCause: StopCause,
  ) {
    super(message);
  }
}

interface Run {
  job: Job;
  tag: string;
  child?: Child;
  stopped?: JobStopped;
  reject?: (err: JobStopped) => void;
}

const alive = (child: Child) => child.exitCode === null && child.signalCode === null;

/**
 * BullMQ's sandbox (the same child entry point and messages), plus what its own lacks: the job
 * a child runs is known, so {@link stop} can SIGKILL that child, the only way to end a fit
 * blocked in a synchronous loop or a native call. A child that dies while starting fails its
 * job (BullMQ's pool waits on it forever). Children are kept between jobs, one per concurrent
 * job, so each keeps its datasets and sessions warm.
 */
export class Sandbox {
  /** Children kept between jobs, oldest first, each with the plugin set it has loaded ('' for none). */
  private readonly idle: Array<{ child: Child; tag: string }> = [];
  private readonly maxIdle: number;
  private readonly killGraceMs: number;
  private readonly runs = new Map<string, Run>();
  private closing: Promise<void> | undefined;

  /**
   * @param processFile - the processor module a child loads
   * @param forkOptions - options of each child's `fork` (its environment)
   */
  constructor(
    private readonly processFile: string,
    private readonly forkOptions: ForkOptions,
    options: { concurrency?: number; killGraceMs?: number } = {},
  ) {
    this.maxIdle = Math.max(1, options.concurrency ?? 1);
    this.killGraceMs = options.killGraceMs ?? 1500;
  }

  /** The jobs running now. */
  running(): Job[] {
    return [...this.runs.values()].map((r) => r.job);
  }

  /**
   * Runs `job` in a child process; rejects with the child's error, its exit, or a
   * {@link JobStopped}. `onStart` is called when a child (started, or kept from an earlier job)
   * takes the job: a time limit counts from then, not from a new child's start-up. A job with
   * a `tag` (its plugin set) runs in a child that has run no job of another tag: users' code
   * never shares a process with another experiment's.
   */
  async run(job: Job, token?: string, onStart?: () => void, tag = ''): Promise<unknown> {
    const run: Run = { job, tag };
    const stopped = new Promise<never>((_, reject) => (run.reject = reject));
    stopped.catch(() => {});
    this.runs.set(job.id!, run);
    try {
      const retaining = this.retain(tag);
      try {
        run.child = await Promise.race([retaining, stopped]);
      } catch (err) {
        // Stopped while a child was starting: the child is fine (it has run nothing), keep it for the next job.
        retaining.then((child) => this.release(child, ''), () => {});
        throw err;
      }
      if (run.stopped) throw run.stopped;
      onStart?.();
      return await Promise.race([execute(run.child, job, token), stopped]);
    } finally {
      this.runs.delete(job.id!);
      if (run.child && !run.stopped) this.release(run.child, tag);
    }
  }

  /**
   * Stops job `jobId` if it runs here: its run rejects with a {@link JobStopped} saying `reason`
   * at once; its child gets the abort (BullMQ's Cancel: the processor's signal fires, so an
   * objective can stop between epochs) and is SIGKILLed `killGraceMs` later whatever it does
   * (a fit blocked in a synchronous loop cannot be asked). Returns whether the job was running here.
   */
  stop(jobId: string, reason: string, cause: StopCause): boolean {
    const run = this.runs.get(jobId);
    if (!run || run.stopped) return false;
    run.stopped = new JobStopped(reason, cause);
    run.reject!(run.stopped);
    const child = run.child;
    if (child) {
      void child.send({ cmd: ChildCommand.Cancel, value: reason }).catch(() => {});
      setTimeout(() => void child.kill('SIGKILL').catch(() => {}), this.killGraceMs).unref();
    }
    return true;
  }

  /** Ends the idle children (SIGTERM, then SIGKILL after 30 s); call once the worker has no job. Idempotent. */
  close(): Promise<void> {
    this.closing ??= Promise.all(this.idle.splice(0).map(({ child }) => child.kill('SIGTERM', 30_000).catch(() => {}))).then(() => undefined);
    return this.closing;
  }

  /**
   * Keeps a live child for the next job, marked with the plugin set it has loaded (its job's:
   * a child only ever runs jobs of one set, see {@link retain}), or ends it when closing; past one idle child per concurrent
   * job, the oldest idle one ends.
   */
  private release(child: Child, tag: string): void {
    if (!alive(child)) return;
    if (this.closing) return void child.kill('SIGTERM', 30_000).catch(() => {});
    this.idle.push({ child, tag });
    while (this.idle.length > this.maxIdle) void this.idle.shift()!.child.kill('SIGTERM', 30_000).catch(() => {});
  }

  /** A kept child that may run a job of `tag` (one of that tag, else one that ran no plugins), or a new one. */
  private async retain(tag: string): Promise<Child> {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const { child, tag: has } = this.idle[i];
      if (!alive(child)) {
        this.idle.splice(i, 1);
        continue;
      }
      // A job without plugins needs a child that ran none; a plugin job takes its own set's or a clean one.
      if (has === tag || (has === '' && tag !== '' && !this.idle.some((c) => c.tag === tag))) {
        this.idle.splice(i, 1);
        return child;
      }
    }
    const child = new Child(CHILD_MAIN, this.processFile, { useWorkerThreads: false, workerForkOptions: this.forkOptions });
    let onExit!: (code: number | null, signal: string | null) => void;
    const exited = new Promise<never>((_, reject) => {
      onExit = (code, signal) => reject(new Error(`sandboxed process exited while starting (exit code ${code}, signal ${signal})`));
    });
    child.once('exit', onExit);
    try {
      await Promise.race([exitFirst(child.init()), exited]);
    } catch (err) {
      void child.kill('SIGKILL').catch(() => {});
      throw err;
    } finally {
      child.off('exit', onExit);
    }
    return child;
  }
}

/**
 * `sent`, whose failure waits half a second: a message to a child that was just killed fails
 * (channel closed) before the child's exit is seen, and the exit, with its signal, is the reason.
 */
function exitFirst<T>(sent: Promise<T>): Promise<T> {
  return sent.catch((err) => new Promise<never>((_, reject) => setTimeout(() => reject(err), 500)));
}

/** Runs one job in `child` by BullMQ's sandbox protocol: Start, then progress and logs, then Completed or Failed. */
function execute(child: Child, job: Job, token?: string): Promise<unknown> {
  let onExit!: (code: number | null, signal: string | null) => void;
  let onMessage!: (msg: { cmd: ParentCommand; value?: unknown; err?: unknown }) => void;
  return new Promise((resolve, reject) => {
    onExit = (code, signal) => reject(new Error(`sandboxed process exited while running the job (exit code ${code}, signal ${signal}${signal === 'SIGKILL' ? ': killed, e.g. out of memory' : ''})`));
    onMessage = (msg) => {
      switch (msg.cmd) {
        case ParentCommand.Completed:
          return resolve(msg.value);
        case ParentCommand.Failed:
        case ParentCommand.Error:
          return reject(Object.assign(new Error(), msg.value ?? msg.err));
        case ParentCommand.Progress:
          // Progress is for people watching; a failed update must not fail the job.
          return void job.updateProgress(msg.value as number).catch(() => {});
        case ParentCommand.Log:
          return void job.log(String(msg.value)).catch(() => {});
      }
    };
    child.on('exit', onExit);
    child.on('message', onMessage);
    exitFirst(child.send({ cmd: ChildCommand.Start, job: job.asJSONSandbox(), token })).catch(reject);
  }).finally(() => {
    child.off('exit', onExit);
    child.off('message', onMessage);
  });
}
