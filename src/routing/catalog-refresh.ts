// Re-reading the catalog when an admin change is announced. Reads are serialised: two
// overlapping reads (one per announcement) can finish out of order, and the older snapshot
// landing last would keep a retired model or an old price live until the next change. A change
// announced while a read runs gets one more read after it, so the last read always starts
// after the last announcement. A failed read (Postgres away) is retried, not left stale, and a
// slow periodic read bounds staleness if an announcement is ever missed (a Redis subscriber
// reconnecting drops what was published meanwhile), as the key cache's TTL does for keys.

export interface CatalogRefreshOptions {
  /** Delay before retrying a failed read. */
  retryMs: number;
  /** Period of the safety-net read; 0 for none. */
  periodMs: number;
  onError: (err: unknown) => void;
}

export class CatalogRefresh {
  private running: Promise<void> | null = null;
  /** The read that starts once `running` ends; every announcement made meanwhile shares it. */
  private queued: Promise<void> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private periodTimer: ReturnType<typeof setInterval> | null = null;
  private stopped = false;

  constructor(
    private readonly load: () => Promise<void>,
    private readonly opts: CatalogRefreshOptions = {
      retryMs: 1_000,
      periodMs: 60_000,
      onError: (err) => console.error("[sluice] catalog reload failed:", err),
    },
  ) {}

  /** Resolves once a read that started after this call has finished (rejects if it failed). */
  refresh(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.running) return this.read();
    const next = () => {
      this.queued = null;
      return this.read();
    };
    this.queued = this.running.then(next, next);
    return this.queued;
  }

  /** For announcements: never rejects; a failure is reported and the read retried. */
  announce(): void {
    if (this.stopped) return;
    this.refresh().catch((err: unknown) => {
      // A read cut short by shutdown (its database closed) is not worth reporting.
      if (this.stopped) return;
      this.opts.onError(err);
      if (this.retryTimer) return;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (!this.stopped) this.announce();
      }, this.opts.retryMs);
    });
  }

  /** Starts the periodic read. */
  start(): void {
    if (this.opts.periodMs <= 0 || this.periodTimer) return;
    this.periodTimer = setInterval(() => this.announce(), this.opts.periodMs);
    // A refresh timer alone must not keep a process alive.
    this.periodTimer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    if (this.periodTimer) clearInterval(this.periodTimer);
    this.periodTimer = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private read(): Promise<void> {
    const run = this.load().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }
}
