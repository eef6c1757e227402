import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** The answer a pool's worker gives when a request threw: the pool rejects with its message. */
export interface WorkerFailure {
  kind: 'failed';
  message: string;
}

/**
 * Started worker threads of one script, waiting for work. A worker loads TypeScript when it
 * starts (its script registers tsx: ~0.25 s of CPU), so workers outlive one call:
 * cross-validation's folds and a sweep's cells reuse them. Idle workers are unref'd and do
 * not keep the process alive; at most one per core is kept.
 */
export class WorkerPool {
  private readonly idle: Worker[] = [];

  /**
   * @param script the worker's bootstrap (a `.js` file that registers tsx and imports its
   *   TypeScript, so it starts the same under tsx, vitest and `npm start`)
   * @param name what the worker does, for error messages ("a tree worker failed: ...")
   */
  constructor(private readonly script: URL, private readonly name: string) {}

  /** The idle workers (a copy of the list), for tests and shutdown. */
  idleWorkers(): Worker[] {
    return [...this.idle];
  }

  /**
   * Runs `requests` on up to `threads` workers, each worker handed the next request as it
   * answers one; `onReply` gets each answer with its request. Workers go back to the idle
   * pool when every request is answered, and are terminated when one fails (a
   * {@link WorkerFailure} answer, an uncaught error, or an exit), which rejects naming it.
   * @param message - what is posted for a request to the worker of index `slot` (the request itself by default)
   */
  async run<Q, A>(threads: number, requests: Q[], onReply: (request: Q, reply: A) => void, message: (request: Q, slot: number) => unknown = (request) => request): Promise<void> {
    if (requests.length === 0) return;
    const workers = this.take(Math.min(threads, requests.length));
    try {
      await new Promise<void>((resolve, reject) => {
        let next = 0, done = 0;
        const send = (worker: Worker, slot: number): Q | undefined => {
          if (next >= requests.length) return undefined;
          const request = requests[next++];
          worker.postMessage(message(request, slot));
          return request;
        };
        for (const [slot, worker] of workers.entries()) {
          let current: Q | undefined;
          worker.on('message', (reply: A | WorkerFailure) => {
            if ((reply as WorkerFailure).kind === 'failed') return reject(new Error(`a ${this.name} worker failed: ${(reply as WorkerFailure).message}`));
            onReply(current!, reply as A);
            if (++done === requests.length) return resolve();
            current = send(worker, slot);
          });
          worker.on('error', (err) => reject(new Error(`a ${this.name} worker failed: ${err.message}`, { cause: err })));
          worker.on('exit', (code) => reject(new Error(`a ${this.name} worker exited with code ${code} before its work was done`)));
          current = send(worker, slot);
        }
      });
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    this.giveBack(workers);
  }

  private take(n: number): Worker[] {
    const taken = this.idle.splice(0, n);
    while (taken.length < n) taken.push(new Worker(this.script));
    for (const w of taken) w.removeAllListeners('exit').removeAllListeners('error').ref();
    return taken;
  }

  private giveBack(workers: Worker[]): void {
    for (const w of workers) {
      w.removeAllListeners('message').removeAllListeners('error').removeAllListeners('exit');
      if (this.idle.length >= availableParallelism()) void w.terminate();
      else {
        // A worker that dies while idle (killed, out of memory) leaves the pool, not a later call waiting on it.
        w.on('error', () => {}).once('exit', () => {
          const at = this.idle.indexOf(w);
          if (at >= 0) this.idle.splice(at, 1);
        });
        w.unref();
        this.idle.push(w);
      }
    }
  }
}
