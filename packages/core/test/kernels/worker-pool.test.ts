import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/kernels/worker-pool.js';

type Request = { do: 'echo' | 'fail' | 'throw' | 'exit' | 'tick'; value: number; counter?: Int32Array };
const script = new URL('./pool-test-worker.js', import.meta.url);

describe('WorkerPool', () => {
  it('hands each worker the next request as it answers, and keeps the workers idle after', async () => {
    const pool = new WorkerPool(script, 'test');
    const requests: Request[] = Array.from({ length: 7 }, (_, i) => ({ do: 'echo', value: i }));
    const seen: number[] = [];
    await pool.run<Request, { value: number }>(2, requests, (request, reply) => {
      expect(reply.value).toBe(request.value);
      seen.push(reply.value);
    });
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // At most one idle worker per core is kept.
    expect(pool.idleWorkers().length).toBe(Math.min(2, availableParallelism()));
    await Promise.all(pool.idleWorkers().map((w) => w.terminate()));
  });

  for (const [what, expected] of [
    ['fail', 'a test worker failed: could not do 1'],
    ['throw', 'a test worker failed: thrown on 1'],
    ['exit', 'a test worker exited with code 3 before its work was done'],
  ] as const) {
    it(`rejects naming the worker when one answers ${what}, and terminates every worker of the call`, async () => {
      const pool = new WorkerPool(script, 'test');
      // The first worker never answers: the call must not wait for it, and must stop it.
      const counter = new Int32Array(new SharedArrayBuffer(4));
      const requests: Request[] = [{ do: 'tick', value: 0, counter }, { do: what, value: 1 }, { do: 'echo', value: 2 }];
      await expect(pool.run(2, requests, () => {})).rejects.toThrow(expected);
      expect(pool.idleWorkers()).toEqual([]);
      const ticks = Atomics.load(counter, 0);
      await new Promise((r) => setTimeout(r, 50));
      expect(Atomics.load(counter, 0)).toBe(ticks);
    });
  }
});
