// Prometheus metrics (prom-client), one registry per Sluice instance so that tests running
// several instances in one process keep them apart. Label sets are bounded: model ids come
// from the catalog, deployment ids from the catalog, statuses are collapsed to classes.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface ModelMetrics {
  latencyTotal: Histogram.Internal<"phase" | "model">;
  latencyUpstream: Histogram.Internal<"phase" | "model">;
  latencyOverhead: Histogram.Internal<"phase" | "model">;
  costMicro: Counter.Internal;
  inputTokens: Counter.Internal;
  outputTokens: Counter.Internal;
  cacheReadTokens: Counter.Internal;
  cacheWriteTokens: Counter.Internal;
  fallbacks: Counter.Internal;
}

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "sluice_requests_total",
    help: "Completed gateway requests by endpoint, model and status class",
    labelNames: ["endpoint", "model", "status"] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: "sluice_request_duration_seconds",
    help: "Time to response headers (total), spent upstream, and added by the gateway",
    labelNames: ["phase", "model"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: "sluice_tokens_total",
    help: "Tokens billed by model and kind",
    labelNames: ["model", "kind"] as const,
    registers: [this.registry],
  });
  readonly costMicro = new Counter({
    name: "sluice_cost_micro_credits_total",
    help: "Micro-credits billed by model",
    labelNames: ["model"] as const,
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: "sluice_upstream_retries_total",
    help: "Upstream attempts that failed and were retried or fell back, by deployment",
    labelNames: ["deployment", "reason"] as const,
    registers: [this.registry],
  });
  readonly fallbacks = new Counter({
    name: "sluice_fallbacks_total",
    help: "Requests served by a deployment other than the first choice",
    labelNames: ["model"] as const,
    registers: [this.registry],
  });
  readonly activeStreams = new Gauge({
    name: "sluice_active_streams",
    help: "Streams being relayed right now",
    registers: [this.registry],
  });
  readonly cooldownsOpen = new Gauge({
    name: "sluice_deployments_cooling_down",
    help: "Deployments whose circuit is open",
    registers: [this.registry],
  });
  readonly ledgerPending = new Gauge({
    name: "sluice_ledger_pending_entries",
    help: "Ledger entries settled but not yet written to Postgres",
    registers: [this.registry],
  });
  readonly ledgerLagSeconds = new Gauge({
    name: "sluice_ledger_lag_seconds",
    help: "Age of the oldest ledger entry not yet written to Postgres",
    registers: [this.registry],
  });

  /** Labelled children per model, looked up once: prom-client hashes the label set on every call otherwise. */
  private readonly perModel = new Map<string, ModelMetrics>();
  private readonly perRequestLabel = new Map<string, Counter.Internal>();

  forModel(model: string): ModelMetrics {
    let m = this.perModel.get(model);
    if (!m) {
      m = {
        latencyTotal: this.latency.labels({ phase: "total", model }),
        latencyUpstream: this.latency.labels({ phase: "upstream", model }),
        latencyOverhead: this.latency.labels({ phase: "overhead", model }),
        costMicro: this.costMicro.labels({ model }),
        inputTokens: this.tokens.labels({ model, kind: "input" }),
        outputTokens: this.tokens.labels({ model, kind: "output" }),
        cacheReadTokens: this.tokens.labels({ model, kind: "cache_read" }),
        cacheWriteTokens: this.tokens.labels({ model, kind: "cache_write" }),
        fallbacks: this.fallbacks.labels({ model }),
      };
      this.perModel.set(model, m);
    }
    return m;
  }

  countRequest(endpoint: string, model: string, status: string): void {
    const key = `${endpoint}\u0000${model}\u0000${status}`;
    let child = this.perRequestLabel.get(key);
    if (!child) {
      child = this.requests.labels({ endpoint, model, status });
      this.perRequestLabel.set(key, child);
    }
    child.inc();
  }

  constructor(opts: { defaults?: boolean } = {}) {
    if (opts.defaults) collectDefaultMetrics({ register: this.registry });
  }

  statusClass(status: number): string {
    return `${Math.floor(status / 100)}xx`;
  }
}
