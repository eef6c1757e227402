import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExperimentResult } from '@gridfold/core';
import { connectRedis, ExperimentStore, jobIds, QUEUE, redisAnswers } from '@gridfold/queue';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { bundlePlugin } from '../apps/cli/src/local-files.js';
import { waitFor } from './helpers/cluster.js';
import { comparable } from './helpers/compare.js';
import { describeTally, tallyExecutions } from './helpers/executions.js';
import { Lan, netnsUnavailable, sweepStaleLans, type Host } from './helpers/netns.js';

/**
 * Issue 14's acceptance test: gridfold on separate machines that share nothing but a network.
 * Four Linux network namespaces on one bridge: `srv` runs a private redis-server and the API
 * (`gridfold serve --workers 0`, on its LAN address, behind a token); `w1` and `w2` run one
 * worker each, started in a temp directory of their own (not the repo), with an empty data
 * directory and an empty artifact cache, told nothing but where Redis is; the CLI runs here,
 * in the root namespace (plugged into the same bridge), and reaches the API by IP. Users' files
 * go the only way they can: the CLI uploads them, the workers fetch them from Redis.
 *
 * Needs root (namespaces, veth, a bridge). Elsewhere the suite is skipped, saying why; with
 * GRIDFOLD_NETNS_REQUIRED=1 (CI, .ci/run) it fails instead.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../apps/cli/bin/gridfold.js', import.meta.url));
const example = (path: string) => fileURLToPath(new URL(`../examples/${path}`, import.meta.url));
const SLOW_PLUGIN = fileURLToPath(new URL('./fixtures/plugins/slow.ts', import.meta.url));
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** Short locks so a cut-off worker's task comes back within seconds (the defaults are 30 s and 15 s). */
const LOCK_MS = 3000;
const STALLED_MS = 1000;
const PREFIX = `netns-${process.pid}`;
const TOKEN = randomBytes(24).toString('hex');
/** Redis on a LAN wants a password (without one, its protected mode refuses every client but loopback). */
const REDIS_PASSWORD = randomBytes(24).toString('hex');
const API_PORT = 8080;

const unavailable = netnsUnavailable();
const required = process.env.GRIDFOLD_NETNS_REQUIRED === '1';
if (unavailable) console.warn(`test/multihost-netns.test.ts ${required ? 'FAILS (GRIDFOLD_NETNS_REQUIRED=1)' : 'is SKIPPED'}: ${unavailable}`);

/** This process's environment without any gridfold setting: each process below gets exactly the ones it is given. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('GRIDFOLD_') && !['REDIS_URL', 'PORT', 'HOST'].includes(k)) env[k] = v;
  }
  return env;
}

/** A `gridfold` command run here, in the root namespace. */
interface CliRun {
  child: ChildProcess;
  stderr(): string;
  /** The result it printed (`--json`); rejects with its stderr when it printed none. */
  result: Promise<ExperimentResult>;
}

const cliChildren = new Set<ChildProcess>();

function gridfold(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  cliChildren.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (err += d));
  const result = new Promise<ExperimentResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      cliChildren.delete(child);
      try {
        resolve(JSON.parse(out) as ExperimentResult);
      } catch {
        reject(new Error(`gridfold ${args.join(' ')} exited with ${code ?? signal} and printed no result; stderr:\n${err}`));
      }
    });
  });
  // Awaited by the test; one left behind by a failed assertion (and killed in afterAll) is not an unhandled rejection.
  result.catch(() => {});
  return { child, stderr: () => err, result };
}

/** The `task done` lines of a worker's JSON log for experiment `id`: each computation it finished, and whether its result was the one stored. */
function tasksDone(logFile: string, id: string): Array<{ task: number; fresh: boolean }> {
  if (!existsSync(logFile)) return [];
  const done = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes(id)) continue;
    try {
      const e = JSON.parse(line) as { experiment?: string; task?: number; msg?: string; fresh?: boolean };
      if (e.experiment === id && e.msg === 'task done' && e.task !== undefined) done.push({ task: e.task, fresh: e.fresh === true });
    } catch {
      // a line cut short by a kill
    }
  }
  return done;
}

describe.skipIf(unavailable !== null && !required)('network namespaces a killed run left behind', () => {
  it('are removed, with the processes in them, by the next LAN; a live run\'s are kept', async () => {
    if (unavailable) throw new Error(`GRIDFOLD_NETNS_REQUIRED=1 but ${unavailable}`);
    // A run whose vitest was killed: pid 4194304 is past Linux's pid_max, so never a live process.
    const stale = 'gf4194304-sw';
    const live = `gf${process.pid}-keep`;
    const list = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    execFileSync('ip', ['netns', 'add', stale]);
    execFileSync('ip', ['netns', 'add', live]);
    const orphan = spawn('ip', ['netns', 'exec', stale, 'sleep', '600'], { stdio: 'ignore' });
    try {
      await waitFor(async () => (execFileSync('ip', ['netns', 'pids', stale], { encoding: 'utf8' }).trim() ? true : undefined), 5_000, 'the orphan in its namespace');
      expect(sweepStaleLans()).toEqual([stale]);
      expect(list()).not.toContain(stale);
      expect(list()).toContain(live);
      await waitFor(async () => (orphan.exitCode !== null || orphan.signalCode !== null ? true : undefined), 5_000, 'the orphan killed');
    } finally {
      orphan.kill('SIGKILL');
      execFileSync('ip', ['netns', 'del', live]);
      if (list().includes(stale)) execFileSync('ip', ['netns', 'del', stale]);
    }
  });
});

describe.skipIf(unavailable !== null && !required)('multi-host: API + Redis, two workers and the CLI in separate network namespaces', () => {
  let lan: Lan | undefined;
  let tmp = '';
  let keepLogs = false;
  let srv: Host;
  let apiUrl = '';
  let redisUrl = '';
  let redis: Redis | undefined;
  let store: ExperimentStore;
  /** Per worker host: its working directory, data dir, artifact cache and log, as the worker resolves them. */
  const workers: Record<'w1' | 'w2', { home: string; dataDir: string; cacheDir: string; log: string }> = {} as never;

  beforeAll(async () => {
    if (unavailable) throw new Error(`GRIDFOLD_NETNS_REQUIRED=1 but ${unavailable}`);
    tmp = mkdtempSync(join(tmpdir(), 'gridfold-netns-'));
    // Until the hosts are up, a failure keeps the logs (afterAll says where).
    keepLogs = true;
    const dir = (...parts: string[]) => {
      const d = join(tmp, ...parts);
      mkdirSync(d, { recursive: true });
      return d;
    };
    lan = new Lan();
    srv = lan.addHost('srv', 1);
    lan.addHost('w1', 11);
    lan.addHost('w2', 12);
    lan.joinRoot(100);
    redisUrl = `redis://:${REDIS_PASSWORD}@${srv.ip}:6379`;
    apiUrl = `http://${srv.ip}:${API_PORT}`;
    const logFd = (name: string) => openSync(join(tmp, name), 'a');

    // Redis listens on srv's LAN address only, with a password; this process reaches it through the bridge.
    const redisLog = logFd('redis.log');
    lan.spawn('srv', 'redis-server', ['--port', '6379', '--bind', srv.ip, '--requirepass', REDIS_PASSWORD, '--dir', dir('redis'), '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', redisLog, redisLog],
    });
    closeSync(redisLog);
    await waitFor(async () => ((await redisAnswers(redisUrl, 500)) ? true : undefined), 20_000, `redis-server at ${srv.ip}:6379, seen from the root namespace`);

    const apiLog = logFd('api.log');
    lan.spawn('srv', process.execPath, [BIN, 'serve', '--workers', '0'], {
      cwd: dir('srv-home'),
      env: { ...cleanEnv(), HOME: dir('srv-home'), HOST: srv.ip, PORT: String(API_PORT), REDIS_URL: redisUrl, GRIDFOLD_PREFIX: PREFIX, GRIDFOLD_TOKEN: TOKEN, GRIDFOLD_LOG_FORMAT: 'json' },
      stdio: ['ignore', apiLog, apiLog],
    });
    closeSync(apiLog);

    for (const name of ['w1', 'w2'] as const) {
      const home = dir(`${name}-home`);
      // w1 is given absolute directories, w2 relative ones (resolved against its own working directory).
      const relative = name === 'w2';
      // Both data directories exist and stay empty; w1's cache exists empty, w2's is made by the worker.
      workers[name] = { home, dataDir: dir(`${name}-home`, 'data'), cacheDir: relative ? join(home, 'artifacts') : dir(`${name}-home`, 'artifacts'), log: join(tmp, `${name}.log`) };
      const log = logFd(`${name}.log`);
      lan.spawn(name, process.execPath, [BIN, 'worker'], {
        cwd: home,
        env: {
          ...cleanEnv(),
          HOME: home,
          REDIS_URL: redisUrl,
          GRIDFOLD_PREFIX: PREFIX,
          GRIDFOLD_WORKER_ID: name,
          GRIDFOLD_THREADS: '1',
          GRIDFOLD_LOCK_MS: String(LOCK_MS),
          GRIDFOLD_STALLED_MS: String(STALLED_MS),
          GRIDFOLD_DATA_DIR: relative ? 'data' : workers[name].dataDir,
          GRIDFOLD_ARTIFACT_CACHE_DIR: relative ? 'artifacts' : workers[name].cacheDir,
          GRIDFOLD_LOG_FORMAT: 'json',
        },
        stdio: ['ignore', log, log],
      });
      closeSync(log);
    }
    await waitFor(async () => ((await fetch(`${apiUrl}/health`).then((r) => r.ok, () => false)) ? true : undefined), 60_000, `the API at ${apiUrl}/health`);
    for (const name of ['w1', 'w2'] as const) {
      await waitFor(async () => (existsSync(workers[name].log) && readFileSync(workers[name].log, 'utf8').includes('"worker started"') ? true : undefined), 60_000, `worker ${name} to start`);
    }
    redis = connectRedis(redisUrl);
    store = new ExperimentStore(redis, PREFIX);
    keepLogs = false;
  }, 120_000);

  afterAll(async () => {
    redis?.disconnect();
    for (const child of cliChildren) child.kill('SIGKILL');
    await lan?.destroy();
    if (keepLogs) console.warn(`multihost-netns: logs kept in ${tmp}`);
    else if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the CLI submits examples 1 and 3 by their local paths; workers with nothing but REDIS_URL compute them identical to --local', async () => {
    onTestFailed(() => {
      keepLogs = true;
    });
    // The API listens on the LAN, behind the token.
    expect((await fetch(`${apiUrl}/api/experiments`)).status).toBe(401);
    const specs = ['examples/custom-estimator/spec.json', 'examples/csv-string-labels/spec.json'];
    const runs = specs.map((spec) => ({
      spec,
      local: gridfold(['run', spec, '--local', '--json']),
      remote: gridfold(['run', spec, '--api', apiUrl, '--json'], { GRIDFOLD_TOKEN: TOKEN }),
    }));
    for (const { spec, local, remote } of runs) {
      const [l, r] = await Promise.all([local.result, remote.result]);
      expect(l.status, `${spec} --local: ${l.error}`).toBe('completed');
      expect(r.status, `${spec} via ${apiUrl}: ${r.error}\n${remote.stderr()}`).toBe('completed');
      expect(comparable(r)).toEqual(comparable(l));
      expect(remote.stderr()).toMatch(/submitted experiment \S+ \((\d+ fits in )?\d+ tasks\)/);
    }
    // Example 1's six cells and example 3's four, cv=4 each (their spec.json files).
    expect((await runs[0].remote.result).cv_results!.params).toHaveLength(6);
    expect((await runs[1].remote.result).cv_results!.params).toHaveLength(4);

    // What the workers used came from Redis into their own caches; their data directories stay empty.
    const bundle = await bundlePlugin('./gaussian-nb.ts', example('custom-estimator/gaussian-nb.ts'));
    const uploaded = [bundle.sha256, sha256(readFileSync(example('csv-string-labels/fruit-train.csv'))), sha256(readFileSync(example('csv-string-labels/fruit-test.csv.gz')))];
    const cached = new Set(Object.values(workers).flatMap((w) => (existsSync(w.cacheDir) ? readdirSync(w.cacheDir) : [])));
    for (const sha of uploaded) expect(cached, `artifact ${sha} in a worker's cache`).toContain(sha);
    for (const w of Object.values(workers)) expect(readdirSync(w.dataDir)).toEqual([]);
  });

  it('a worker cut off the network mid-task: its task is redelivered to the other after the lock expires; results identical, each stored once', async () => {
    onTestFailed(() => {
      keepLogs = true;
    });
    // A user's directory: the spec next to its plugin and its CSV.
    const userDir = join(tmp, 'user');
    mkdirSync(userDir, { recursive: true });
    copyFileSync(SLOW_PLUGIN, join(userDir, 'slow.ts'));
    copyFileSync(example('csv-string-labels/fruit-train.csv'), join(userDir, 'fruit-train.csv'));
    const specPath = join(userDir, 'spec.json');
    // 3 cells x 2 folds = 6 tasks of 2-3 s each (slow.ts sleeps `ms`): long enough to cut one in the middle.
    writeFileSync(
      specPath,
      JSON.stringify({
        name: 'slow-sweep',
        plugins: ['./slow.ts'],
        dataset: { source: 'csv', train: 'fruit-train.csv', label: 'fruit' },
        estimator: { name: 'slow' },
        param_grid: { ms: [2000, 2500, 3000] },
        cv: 2,
        group_cells: false,
        refit: false,
      }),
    );
    // The reference sleeps through the same 6 tasks in turn: run it meanwhile.
    const local = gridfold(['run', specPath, '--local', '--json']);
    const remote = gridfold(['run', specPath, '--api', apiUrl, '--json'], { GRIDFOLD_TOKEN: TOKEN });
    const [, id, tasks] = await waitFor(async () => /submitted experiment (\S+) \((?:\d+ fits in )?(\d+) tasks\)/.exec(remote.stderr()) ?? undefined, 60_000, 'the CLI to submit the sweep');
    expect(Number(tasks)).toBe(6);

    // A task that w1 began less than a second ago (so it has over a second of sleep left): cut w1's cable now.
    const victim = await waitFor(async () => {
      const running = await store.runningTasks(id);
      const entry = Object.entries(running).find(([, r]) => r.worker === 'w1' && Date.now() - r.since < 1000);
      return entry ? Number(entry[0]) : undefined;
    }, 60_000, 'w1 to begin a task', 50);
    lan!.cut('w1');
    const cutAt = Date.now();
    const lockKey = `${PREFIX}:${QUEUE}:${jobIds.task(id, victim)}:lock`;
    const lockLeft = await redis!.pttl(lockKey);
    // w1 held the task's lock when it was cut off.
    expect(lockLeft, `the lock of task ${victim} when w1 was cut off`).toBeGreaterThan(0);

    // The task begins a second time, on w2, once w1's lock has run out.
    const redelivered = await waitFor(async () => {
      const started = (await store.executions(id)).started[victim] ?? 0;
      return started >= 2 ? Date.now() : undefined;
    }, 30_000, `task ${victim} to be redelivered`, 50);
    const runningOn = (await store.runningTasks(id))[victim]?.worker;
    // The partition heals: w1's connections carry on, with its result of the task still to write.
    lan!.mend('w1');

    const [l, r] = await Promise.all([local.result, remote.result]);
    expect(l.status, l.error).toBe('completed');
    expect(r.status, `${r.error}\n${remote.stderr()}`).toBe('completed');
    expect(comparable(r)).toEqual(comparable(l));
    expect(r.cv_results!.params).toHaveLength(3);

    // w1's late computation of the task arrives once it is back; w2's is in its log.
    await waitFor(async () => (tasksDone(workers.w1.log, id).some((t) => t.task === victim) ? true : undefined), 30_000, `w1's own computation of task ${victim} to reach Redis after the link came back`);
    const w1Done = tasksDone(workers.w1.log, id);
    const w2Done = tasksDone(workers.w2.log, id);
    expect(w2Done.some((t) => t.task === victim), `w2 computed the redelivered task ${victim}`).toBe(true);
    // One result stored per task: the first to arrive; the other computation of the cut task was refused (HSETNX).
    const fresh = Array.from({ length: 6 }, (_, task) => [...w1Done, ...w2Done].filter((t) => t.task === task && t.fresh).length);
    expect(fresh).toEqual([1, 1, 1, 1, 1, 1]);
    const tally = tallyExecutions(await store.executions(id), 6);
    console.info(
      `netns cut: task ${victim} cut on w1 with ${lockLeft} ms of lock left, begun again (on ${runningOn ?? 'w2, already done'}) ${((redelivered - cutAt) / 1000).toFixed(1)} s after the cut; ` +
        `stored by ${w1Done.some((t) => t.task === victim && t.fresh) ? 'w1 (its late result came first)' : 'w2'}; ${describeTally(tally)}`,
    );
    // Redelivered only once the lock had run out (not while w1 might still write under it).
    expect(redelivered - cutAt).toBeGreaterThanOrEqual(lockLeft - 100);
    // Only the cut task ran twice; every result written once.
    expect(tally).toMatchObject({ storedTwice: 0, neverStored: 0, startedTwice: 1, extraStarts: 1 });
    expect(tally.extraComputations).toBeLessThanOrEqual(1);
    expect((await store.executions(id)).started[victim]).toBe(2);
    // Each worker fetched the plugin it ran from Redis into its own cache.
    const bundle = await bundlePlugin('./slow.ts', join(userDir, 'slow.ts'));
    for (const w of Object.values(workers)) expect(readdirSync(w.cacheDir)).toContain(bundle.sha256);
  }, 120_000);
});
