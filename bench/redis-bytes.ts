/**
 * Bytes of Redis one experiment takes: runs a spec (default: the seed 5-detector SGD, full
 * MNIST with out-of-fold outputs) through `gridfold serve --workers 1` on its own key prefix,
 * then sums `MEMORY USAGE <key> SAMPLES 0` over every key under the prefix, grouped: the
 * experiment's store keys, BullMQ's job keys, the task cache, the rest.
 * Run: npx tsx bench/redis-bytes.ts [spec.json]
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connectRedis } from '@gridfold/queue';
import { deletePrefix } from '../test/helpers/cluster.js';
import { startServe, submitAndWait } from './serve-harness.js';

const specPath = process.argv[2] ?? new URL('../experiments/mnist-5-sgd.json', import.meta.url).pathname;
const spec = JSON.parse(readFileSync(specPath, 'utf8'));
const prefix = `bench-${randomUUID()}`;
const redis = connectRedis(process.env.REDIS_URL);
const served = await startServe(1, 3900 + Math.floor(Math.random() * 90), { GRIDFOLD_PREFIX: prefix });
try {
  const { view } = await submitAndWait(served.url, spec);
  if (view.status !== 'completed') throw new Error(`${spec.name} ${view.status}: ${view.error}`);
  const groups: Record<string, { keys: number; bytes: number }> = {};
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    for (const key of found) {
      const bytes = Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
      const rest = key.slice(prefix.length + 1);
      const group = rest.startsWith('exp:') ? `store ${rest.replace(/^exp:[^:]+/, 'exp').replace(/:\d+$/, ':<task>')}` : rest.startsWith('gridfold-jobs:') ? 'jobs' : rest.startsWith('cache') ? 'cache' : 'other';
      groups[group] ??= { keys: 0, bytes: 0 };
      groups[group].keys++;
      groups[group].bytes += bytes;
    }
    cursor = next;
  } while (cursor !== '0');
  const total = (prefix: string) => Object.entries(groups).filter(([g]) => g.startsWith(prefix)).reduce((s, [, v]) => s + v.bytes, 0);
  console.log(`${spec.name}: experiment ${view.id}, reported by the API: ${JSON.stringify(view.redis_bytes ?? null)}`);
  for (const [group, { keys, bytes }] of Object.entries(groups).sort()) console.log(`${group.padEnd(32)} ${String(keys).padStart(5)} keys ${bytes.toLocaleString('en').padStart(14)} bytes`);
  console.log(`store total ${total('store').toLocaleString('en')} bytes; jobs ${total('jobs').toLocaleString('en')}; cache ${total('cache').toLocaleString('en')}`);
} finally {
  await served.stop();
  await deletePrefix(redis, prefix);
  redis.disconnect();
}
