/**
 * One concurrency limit over several lanes (a worker process's BullMQ Workers, one per queue
 * shard), each of which has a concurrency of its own and fetches jobs by itself. Each lane may
 * hold its running jobs plus every free slot of the process: a shard with work fills the process
 * alone when the others are empty. When a slot frees, every lane may fetch for it, so a job can
 * arrive with no slot left: {@link enter} refuses it and the caller hands it back to its queue
 * (at most one job per other lane each time a slot frees; none waits here for a slot).
 */
export class ConcurrencyGate<Lane> {
  private readonly active = new Map<Lane, number>();
  private running = 0;

  /**
   * @param limit - jobs the process runs at once
   * @param lanes - the lanes whose fetching the gate steers
   * @param allow - told, after every change, how many jobs `lane` may hold now: its running ones
   * plus the free slots; 0 when none is free (the lane must stop fetching: pause its Worker)
   */
  constructor(
    readonly limit: number,
    private readonly lanes: readonly Lane[],
    private readonly allow: (lane: Lane, jobs: number) => void,
  ) {
    for (const lane of lanes) this.active.set(lane, 0);
  }

  /** Jobs running now, over every lane. */
  get size(): number {
    return this.running;
  }

  /** Takes a slot for a job `lane` fetched; false (nothing taken) when every slot is taken. */
  enter(lane: Lane): boolean {
    if (this.running >= this.limit) return false;
    this.running++;
    this.active.set(lane, (this.active.get(lane) ?? 0) + 1);
    this.update();
    return true;
  }

  /** Gives back the slot of a job of `lane` that ended. */
  leave(lane: Lane): void {
    this.running--;
    this.active.set(lane, (this.active.get(lane) ?? 1) - 1);
    this.update();
  }

  private update(): void {
    const free = this.limit - this.running;
    for (const lane of this.lanes) this.allow(lane, free === 0 ? 0 : this.active.get(lane)! + free);
  }
}
