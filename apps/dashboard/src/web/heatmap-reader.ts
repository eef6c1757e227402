import { api, type HeatmapView } from './api.js';

/**
 * Least time between two reads of a paged sweep's heatmap, milliseconds: the live stream sends
 * an event per change (about one a second), and however fast they come the page asks for the
 * heatmap no more often than this.
 */
export const HEATMAP_REFRESH_MS = 1000;

/**
 * Reads the heatmap of a sweep too large to inline from GET /api/experiments/:id/heatmap as it
 * moves on: one read at a time, at most one per `minMs`; what is asked for meanwhile is read
 * once the wait is over, so the last state always gets drawn.
 */
export class HeatmapReader {
  private inFlight = false;
  private pending = false;
  private lastAt = -Infinity;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    /** The URL to read, asked at each read (the axes can change in between). */
    private readonly url: () => string,
    private readonly onView: (view: HeatmapView) => void,
    private readonly onError: (err: unknown) => void,
    private readonly minMs = HEATMAP_REFRESH_MS,
  ) {}

  /** Asks for a read; `now` (a new pair of axes, picked by hand) skips the wait. */
  request(now = false): void {
    if (this.stopped) return;
    this.pending = true;
    if (now) {
      this.lastAt = -Infinity;
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private pump(): void {
    if (this.stopped || this.inFlight || this.timer || !this.pending) return;
    const wait = this.lastAt + this.minMs - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => ((this.timer = undefined), this.pump()), wait);
      return;
    }
    this.pending = false;
    this.inFlight = true;
    this.lastAt = Date.now();
    api<HeatmapView>(this.url())
      .then((v) => !this.stopped && this.onView(v), this.onError)
      .finally(() => ((this.inFlight = false), this.pump()));
  }
}
