import type { Response } from 'express';
import type { Logger } from 'pino';
import type { LiveSnapshots, Snapshot } from './live-snapshots.js';

/** Settings of {@link LiveFeed}. */
export interface LiveFeedOptions {
  /** How often topics with clients are refreshed, milliseconds. @defaultValue 1000 */
  intervalMs?: number;
  /** Comment line sent to keep idle connections (and proxies) open, milliseconds. @defaultValue 15000 */
  heartbeatMs?: number;
  /** Experiments in the list stream. @defaultValue 50 */
  listLimit?: number;
}

interface Topic {
  event: string;
  clients: Set<Response>;
  /** Recomputes the snapshot, or null when the subject is gone. */
  read: (previous: string | undefined) => Promise<Snapshot | null>;
  signature?: string;
  message?: string;
}

/**
 * Server-sent events for the dashboard. Clients subscribe to a topic (the experiment list, or
 * one experiment); one loop refreshes each topic that has clients, once per interval, and
 * writes the snapshot to all of them only when it changed, so the cost does not grow with the
 * number of open pages. Nothing polls Redis while no page is open. Errors are logged; the
 * loop keeps going.
 */
export class LiveFeed {
  private readonly topics = new Map<string, Topic>();
  private timer: NodeJS.Timeout | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;
  private readonly intervalMs: number;

  constructor(
    private readonly snapshots: LiveSnapshots,
    private readonly log: Logger,
    private readonly options: LiveFeedOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.heartbeat = setInterval(() => this.each((res) => res.write(': ping\n\n')), options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  /** Streams the experiment list (`experiments` events) to `res`. */
  subscribeList(res: Response): void {
    this.subscribe(res, 'list', 'experiments', async () => this.snapshots.list(this.options.listLimit ?? 50));
  }

  /** Streams one experiment (`experiment` events) to `res`; the stream ends if it is deleted. */
  subscribeExperiment(res: Response, id: string): void {
    this.subscribe(res, `experiment:${id}`, 'experiment', async (previous) => {
      const signature = await this.snapshots.experimentSignature(id);
      if (signature === null) return null;
      // A running experiment is re-read every few ticks anyway: the aggregate's summary and the ETA move without a signature change.
      if (signature === previous) return { signature, data: undefined };
      const data = await this.snapshots.experiment(id);
      return data === null ? null : { signature, data };
    });
  }

  /** Ends every stream and stops the loop; idempotent. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    this.each((res) => res.end());
    this.topics.clear();
  }

  private subscribe(res: Response, key: string, event: string, read: Topic['read']): void {
    if (this.closed) return void res.status(503).json({ error: 'server is shutting down' });
    res.status(200).set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    res.write('retry: 2000\n\n');
    const topic = this.topics.get(key) ?? { event, clients: new Set<Response>(), read };
    this.topics.set(key, topic);
    topic.clients.add(res);
    res.on('close', () => {
      topic.clients.delete(res);
      if (topic.clients.size === 0 && this.topics.get(key) === topic) this.topics.delete(key);
    });
    if (topic.message) res.write(topic.message);
    else void this.refresh(key, topic);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.closed || this.topics.size === 0) return;
    this.timer = setTimeout(() => void this.tick(), this.intervalMs);
  }

  private ticks = 0;

  private async tick(): Promise<void> {
    this.ticks++;
    // Every 5th tick re-reads experiment topics whatever their signature (see subscribeExperiment).
    const force = this.ticks % 5 === 0;
    await Promise.all([...this.topics].map(([key, topic]) => this.refresh(key, topic, force)));
    this.timer = undefined;
    this.schedule();
  }

  private async refresh(key: string, topic: Topic, force = false): Promise<void> {
    try {
      const snap = await topic.read(force ? undefined : topic.signature);
      if (snap === null) {
        for (const res of topic.clients) res.end();
        this.topics.delete(key);
        return;
      }
      if (snap.data === undefined || (snap.signature === topic.signature && topic.message)) return;
      const message = `event: ${topic.event}\ndata: ${JSON.stringify(snap.data)}\n\n`;
      topic.signature = snap.signature;
      if (message === topic.message) return;
      topic.message = message;
      for (const res of topic.clients) res.write(message);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, topic: key }, 'live feed refresh failed');
    }
  }

  private each(fn: (res: Response) => void): void {
    for (const topic of this.topics.values()) for (const res of topic.clients) fn(res);
  }
}
