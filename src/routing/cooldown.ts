// Circuit breaker per deployment. Failures are counted per instance (no hot-store round trip
// on the request path); when a deployment trips, the cooldown is announced through the hot
// store so every instance stops sending to it. After the cooldown one request is let through
// (half-open): success closes the circuit, failure opens it again for longer.
import type { HotStore } from "../store/types.ts";

export const COOLDOWN_CHANNEL = "deployments:cooldown";

export interface CooldownOptions {
  /** Consecutive failures that open the circuit. */
  threshold: number;
  baseMs: number;
  maxMs: number;
}

interface State {
  failures: number;
  until: number;
  /** Consecutive trips, for exponential cooldowns. */
  trips: number;
  probing: boolean;
}

export interface CooldownView {
  deployment: string;
  state: "closed" | "open" | "half_open";
  until: number | null;
  failures: number;
}

export class Cooldowns {
  private readonly states = new Map<string, State>();

  constructor(
    private readonly store: HotStore | null,
    private readonly opts: CooldownOptions = { threshold: 3, baseMs: 5_000, maxMs: 120_000 },
    private readonly now: () => number = Date.now,
  ) {}

  async start(): Promise<void> {
    await this.store?.subscribe(COOLDOWN_CHANNEL, (message) => {
      const [id, until] = message.split("|");
      if (!id || !until) return;
      const s = this.state(id);
      s.until = Math.max(s.until, Number(until));
    });
  }

  /** Whether a request may go to this deployment now (claims the half-open probe if due). */
  available(id: string): boolean {
    const s = this.states.get(id);
    if (!s || s.until === 0) return true;
    if (this.now() < s.until) return false;
    if (s.probing) return false;
    s.probing = true;
    return true;
  }

  /** Read-only health for ordering (does not claim the probe). */
  healthy(id: string): boolean {
    const s = this.states.get(id);
    return !s || s.until === 0 || (this.now() >= s.until && !s.probing);
  }

  success(id: string): void {
    const s = this.states.get(id);
    if (!s) return;
    s.failures = 0;
    s.trips = 0;
    s.until = 0;
    s.probing = false;
  }

  failure(id: string): void {
    const s = this.state(id);
    s.failures++;
    const wasProbe = s.probing;
    s.probing = false;
    if (wasProbe || s.failures >= this.opts.threshold) {
      s.trips++;
      s.failures = 0;
      s.until = this.now() + Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** (s.trips - 1));
      void this.store?.publish(COOLDOWN_CHANNEL, `${id}|${s.until}`).catch(() => {});
    }
  }

  view(): CooldownView[] {
    const now = this.now();
    return [...this.states.entries()].map(([deployment, s]) => ({
      deployment,
      state: s.until === 0 ? "closed" : now < s.until ? "open" : "half_open",
      until: s.until === 0 ? null : s.until,
      failures: s.failures,
    }));
  }

  private state(id: string): State {
    let s = this.states.get(id);
    if (!s) this.states.set(id, (s = { failures: 0, until: 0, trips: 0, probing: false }));
    return s;
  }
}
