import { connectRedis } from '@gridfold/queue';
import { createWorker } from './create-worker.js';

/** Runs one worker process until SIGTERM/SIGINT, then finishes the current task and exits. */
export async function runWorkerMain(): Promise<void> {
  const connection = connectRedis();
  connection.on('error', () => {
    // Reported by the BullMQ workers' own error events (create-worker logs them); ioredis reconnects.
  });
  const worker = createWorker({
    connection,
    prefix: process.env.GRIDFOLD_PREFIX,
    concurrency: Number(process.env.GRIDFOLD_CONCURRENCY ?? 1),
    threads: process.env.GRIDFOLD_THREADS ? Number(process.env.GRIDFOLD_THREADS) : undefined,
    lockDuration: process.env.GRIDFOLD_LOCK_MS ? Number(process.env.GRIDFOLD_LOCK_MS) : undefined,
    stalledInterval: process.env.GRIDFOLD_STALLED_MS ? Number(process.env.GRIDFOLD_STALLED_MS) : undefined,
  });
  const stop = async () => {
    await worker.close();
    connection.disconnect();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
