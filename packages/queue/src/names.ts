/**
 * The one queue of every job of an experiment's flow: fit tasks, aggregates, halving steps and
 * refits. A worker process serves it with one sandboxed processor per concurrent job, which
 * dispatches on the kind its data carries (see `JobData` in flow.ts), so the dataset is loaded once per child.
 */
export const QUEUE = 'gridfold-jobs';

/**
 * Candidate `n` of a queue shard's key prefix: a queue is `QUEUE` under a prefix of its own, so
 * BullMQ's keys (`<prefix>:gridfold-jobs:...`) differ by shard. Candidate 0 is `prefix` itself
 * (today's queue, unchanged); under a cluster prefix `{P}` candidate n is the tag `{P:q<n>}`, in
 * another slot, so on a Redis Cluster shards can sit on different masters; otherwise `P:q<n>`.
 */
export function queueShardPrefix(prefix: string, n: number): string {
  if (n === 0) return prefix;
  return isTaggedPrefix(prefix) ? `{${prefix.slice(1, -1)}:q${n}}` : `${prefix}:q${n}`;
}

/** String under the prefix: JSON array of the queue shards' prefixes, written once (SET NX) by the first API or worker (see queue-shards.ts). */
export function queueShardsKey(prefix: string): string {
  return `${prefix}:queue-shards`;
}

/**
 * The shard (0 to `count` - 1) of experiment `id`: a stable hash of the id (FNV-1a, 32 bits), the
 * same in every process, so that all of an experiment's jobs (a BullMQ flow's parent and children
 * must share a queue) and every later look-up of them (cancel, retry, reaper) find one queue.
 */
export function shardOf(id: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return hash % count;
}

/** The key prefix of experiment `id`'s queue among the deployment's queue shards `prefixes` (shard 0 first). */
export function queueFor(prefixes: readonly string[], id: string): string {
  return prefixes[shardOf(id, prefixes.length)];
}

/**
 * Whether `prefix` is a Redis Cluster prefix, one whole hash tag (`{gridfold}`, as `keyPrefixFor`
 * makes it on a cluster): then each experiment's keys get a hash tag of their own (see {@link keys}).
 */
export function isTaggedPrefix(prefix: string): boolean {
  return /^\{[^{}]+\}$/.test(prefix);
}

/**
 * The part every key of experiment `id` starts with: `<prefix>:exp:<id>`; under a cluster prefix
 * `{P}`, the experiment's own hash tag `{P:exp:<id>}`, so that its keys (which the store's scripts
 * take together) share one slot while different experiments spread over the cluster's masters.
 */
function experimentKey(prefix: string, id: string): string {
  return isTaggedPrefix(prefix) ? `{${prefix.slice(1, -1)}:exp:${id}}` : `${prefix}:exp:${id}`;
}

/**
 * Redis keys of the experiment store under a prefix. The keys of one experiment are in one slot on
 * a Redis Cluster; the index and the reaper's keys are under the prefix's own tag.
 */
export function keys(prefix: string) {
  return {
    /** Sorted set of experiment ids by creation time (milliseconds). */
    index: `${prefix}:experiments`,
    /** Hash: spec, status, timestamps, final result. */
    experiment: (id: string) => experimentKey(prefix, id),
    /** Hash: task index → TaskResult JSON. Written with HSETNX: a task delivered twice counts once. */
    results: (id: string) => `${experimentKey(prefix, id)}:results`,
    /** Hash: task index → the reason a task could not run at all (after its last attempt). */
    taskErrors: (id: string) => `${experimentKey(prefix, id)}:task-errors`,
    /** Hash: task index → start timestamp and worker, for progress and per-worker activity. */
    running: (id: string) => `${experimentKey(prefix, id)}:running`,
    /** Hash: task index → the task's out-of-fold outputs as compact binary (`encodeOof`), written once. */
    oof: (id: string) => `${experimentKey(prefix, id)}:oof`,
    /**
     * Hash: the parts of tasks split by their queries (issue #17): `<task>:g<generation>:p<part>` →
     * a part's outputs (`encodePart` bytes), written once; `<task>:g<generation>:n` → how many
     * are stored. The job that stores a task's last part merges them and deletes the task's fields.
     */
    parts: (id: string) => `${experimentKey(prefix, id)}:parts`,
    /** String: the API instance whose reaper looks for experiments with no job (a lock with a TTL). */
    reaperLock: `${prefix}:reaper:lock`,
    /** Hash: experiment id → `generation:since`, when the reaper first found that run with no job. */
    reaperIdle: `${prefix}:reaper:idle`,
    /**
     * Hash: `started:<task>`, `computed:<task>`, `stored:<task>` → how many times a task was
     * started, computed to the end and had its result written: at-least-once delivery, counted.
     */
    executions: (id: string) => `${experimentKey(prefix, id)}:executions`,
    /** Hash: trial number → TrialRecord JSON (a study's trials: params once proposed, then how it ended). */
    trials: (id: string) => `${experimentKey(prefix, id)}:trials`,
    /** Hash: `<trial>:<fold>` → that fold's reports as [[step, value], ...] (`<trial>:mean`: the mean across folds in lockstep); `rungs:<trial>:<label>` → its ASHA rungs under the label judged; `pruner:<label>` → that label's pruner estimates. */
    reports: (id: string) => `${experimentKey(prefix, id)}:reports`,
  };
}

/**
 * BullMQ job ids are derived from the experiment id and its run generation (0 for the first
 * run, +1 per retry), so re-adding a flow never duplicates jobs and a retry gets fresh ones.
 */
export const jobIds = {
  root: (id: string, gen = 0) => `${id}.g${gen}.refit`,
  aggregate: (id: string, gen = 0) => `${id}.g${gen}.aggregate`,
  /** The aggregate's gate while a huge flow's tasks are still being added (see enqueue.ts). */
  gate: (id: string, gen = 0) => `${id}.g${gen}.gate`,
  task: (id: string, index: number, gen = 0) => `${id}.g${gen}.t${index}`,
  /** Part `part` of a task split by its queries (see `FitJobData.part`). */
  taskPart: (id: string, index: number, part: number, gen = 0) => `${id}.g${gen}.t${index}.p${part}`,
  /** The first step of a successive-halving chain (plans round 0). */
  halvingStart: (id: string, gen = 0) => `${id}.g${gen}.h-start`,
  /** The step that closes halving round `round`. */
  halvingRound: (id: string, round: number, gen = 0) => `${id}.g${gen}.h${round}`,
  /** Trial `number` of a study. */
  trial: (id: string, number: number, gen = 0) => `${id}.g${gen}.trial${number}`,
};

/**
 * Redis keys of the artifact store under a prefix (see artifacts.ts). An artifact is named by
 * the sha256 of its bytes (64 lowercase hex digits); an upload by a random id until it commits.
 */
export function artifactKeys(prefix: string) {
  return {
    /** Sorted set of committed artifacts' sha256 by creation time (milliseconds). */
    index: `${prefix}:artifacts`,
    /** Integer: bytes of every committed artifact together, for the store's total bound. */
    bytes: `${prefix}:artifacts:bytes`,
    /** Hash: upload id → bytes that upload holds against the total bound until it commits or ends. */
    uploads: `${prefix}:artifacts:uploads`,
    /** Sorted set: upload id → deadline (milliseconds); an upload silent past it no longer holds bytes. */
    uploadDeadlines: `${prefix}:artifacts:upload-deadlines`,
    /** Hash: sha256, size, chunks, chunk_bytes, media_type, name, created_at. Written last: its presence means committed. */
    meta: (sha: string) => `${prefix}:artifact:${sha}`,
    /** Hash: chunk index (0, 1, ...) → that chunk's bytes. */
    chunks: (sha: string) => `${prefix}:artifact:${sha}:chunks`,
    /** Set of the ids of the experiments that use the artifact. */
    users: (sha: string) => `${prefix}:artifact:${sha}:users`,
    /** Hash: chunk index → bytes of an upload in progress; expires unless written to, renamed to `chunks` on commit. */
    upload: (id: string) => `${prefix}:artifact-upload:${id}`,
  };
}

/**
 * Redis keys of worker heartbeats under a prefix (see workers.ts). Every live worker process
 * rewrites its record every few seconds with a time to live, so a dead one's disappears.
 */
export function workerKeys(prefix: string) {
  return {
    /** Sorted set: worker id → when its record expires (Redis's clock, milliseconds); pruned at every heartbeat. */
    index: `${prefix}:workers`,
    /** Hash: a worker's host, pid, threads, running jobs, ...; expires unless its worker renews it. */
    worker: (id: string) => `${prefix}:worker:${id}`,
  };
}

/**
 * Redis keys of the metrics that workers count for `GET /metrics` (see task-metrics.ts). They
 * live in Redis, not in a process, so they count across every worker and survive restarts.
 */
export function metricKeys(prefix: string) {
  return {
    /** Hash: `tasks_completed`, `tasks_failed` → counts since the prefix was first used. */
    counters: `${prefix}:metrics:counters`,
    /** Hash: `<estimator>\t<bucket index>`, `<estimator>\tcount`, `<estimator>\tsum` → fit task durations. */
    taskSeconds: `${prefix}:metrics:task-seconds`,
    /** Set of the estimator names that have a histogram of their own (capped; the rest count as `other`). */
    estimators: `${prefix}:metrics:estimators`,
  };
}
