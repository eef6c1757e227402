import type { FlowJob, FlowProducer, Queue } from 'bullmq';
import type { GateJobData } from './flow.js';
import { PRIORITY } from './flow.js';
import { jobIds } from './names.js';

/** Fit tasks added with the flow itself; a larger flow's other tasks follow in chunks of this many. */
export const FLOW_CHUNK = 2000;

/**
 * How long an aggregate's gate waits, at most, for the rest of its tasks (milliseconds). Past
 * it (the API died while adding them), the gate lets the aggregate run with the tasks that were
 * added; it records the others as missing, and a retry runs them.
 */
export const GATE_DELAY_MS = 10 * 60_000;

/** Options of {@link enqueueFlow}. */
export interface EnqueueOptions {
  chunk?: number;
  gateDelayMs?: number;
  /** Asked before each further chunk: false (the experiment was cancelled meanwhile) stops adding. */
  stillWanted?: () => Promise<boolean>;
}

/**
 * Adds an experiment's flow (buildFlow's tree: refit → aggregate → fit tasks). BullMQ adds a
 * flow in one MULTI: 10,000 tasks took 3.3 s, 20,000 outlived the API's 10 s Redis deadline
 * (answered 503 although the flow went in, so a client retrying made a second experiment), and
 * 100,000 never went in. A flow with at most `chunk` tasks is added as before. A larger one is
 * added with its first `chunk` tasks and a gate, a delayed child of the aggregate that keeps it
 * waiting, and the call returns; `rest` then adds the other tasks in chunks as children of the
 * same aggregate (so the aggregate waits for every one) and finally promotes the gate. The first
 * tasks run while the rest are added.
 * @returns `rest`: null when everything was added, else the promise of the remaining chunks.
 */
export async function enqueueFlow(flows: FlowProducer, queue: Queue, tree: FlowJob, options: EnqueueOptions = {}): Promise<{ rest: Promise<void> | null }> {
  const chunk = options.chunk ?? FLOW_CHUNK;
  const aggregate = tree.children?.length === 1 ? tree.children[0] : undefined;
  const tasks = aggregate?.children ?? [];
  if (!aggregate || tasks.length <= chunk) {
    await flows.add(tree);
    return { rest: null };
  }
  const data = aggregate.data as GateJobData;
  const gateId = jobIds.gate(data.experimentId, data.generation);
  const gate: FlowJob = {
    name: 'gate · tasks being added',
    queueName: aggregate.queueName,
    data: { ...data, kind: 'gate' } satisfies GateJobData,
    opts: { jobId: gateId, delay: options.gateDelayMs ?? GATE_DELAY_MS, priority: PRIORITY.step },
  };
  await flows.add({ ...tree, children: [{ ...aggregate, children: [gate, ...tasks.slice(0, chunk)] }] });
  const parent = { id: aggregate.opts!.jobId!, queue: queue.qualifiedName };
  const rest = (async () => {
    for (let start = chunk; start < tasks.length; start += chunk) {
      if (options.stillWanted && !(await options.stillWanted())) return;
      await flows.addBulk(tasks.slice(start, start + chunk).map((t) => ({ ...t, opts: { ...t.opts, parent } })));
    }
    // Every task is a child of the aggregate now: the gate may go.
    const job = await queue.getJob(gateId);
    if (job && (await job.getState()) === 'delayed') await job.promote();
  })();
  return { rest };
}
