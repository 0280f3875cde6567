// Operator views on the admin port: Prometheus metrics and deployment health.
import { Elysia } from "elysia";
import type { Metrics } from "../../src/observability/metrics.ts";
import type { Cooldowns } from "../../src/routing/cooldown.ts";
import type { HotStore } from "../../src/store/types.ts";
import type { Database } from "../../db/client.ts";
import { reconcileBalances } from "../../db/reconcile.ts";

export function opsRoutes(deps: { metrics: Metrics; cooldowns: Cooldowns; store: HotStore }) {
  return new Elysia({ name: "ops" }).get(
    "/metrics",
    async ({ set }) => {
      const views = deps.cooldowns.view();
      deps.metrics.cooldownsOpen.set(views.filter((v) => v.state === "open").length);
      const lag = await deps.store.ledgerLag(Date.now()).catch(() => null);
      if (lag) {
        deps.metrics.ledgerPending.set(lag.pending);
        deps.metrics.ledgerLagSeconds.set(lag.oldestAgeMs / 1000);
      }
      set.headers["content-type"] = deps.metrics.registry.contentType;
      return deps.metrics.registry.metrics();
    },
    { detail: { summary: "Prometheus metrics", tags: ["Ops"] } },
  );
}

/** Admin-authenticated view of circuit breakers (mounted under /admin/v1). */
export function deploymentHealthRoutes(deps: { cooldowns: Cooldowns }) {
  return new Elysia({ name: "deployment-health" }).get(
    "/deployments/health",
    () => ({
      data: deps.cooldowns.view().map((v) => ({
        deployment: v.deployment,
        state: v.state,
        until: v.until === null ? null : new Date(v.until).toISOString(),
        recent_failures: v.failures,
      })),
    }),
    { detail: { summary: "Deployment circuit-breaker state (this instance's view)", tags: ["Deployments"] } },
  );
}

/** Operator-triggered rebuild of hot balances from Postgres + unflushed ledger entries. */
export function reconcileRoutes(deps: { database: Database; store: HotStore }) {
  return new Elysia({ name: "reconcile" }).post(
    "/reconcile",
    async () => {
      const fixes = await reconcileBalances(deps.database, deps.store);
      return {
        adjusted: fixes.map((f) => ({
          user_id: f.userId,
          before_micro: f.before === null ? null : Number(f.before),
          after_micro: Number(f.after),
        })),
      };
    },
    { detail: { summary: "Rebuild hot balances from Postgres and unflushed ledger entries", tags: ["Ops"] } },
  );
}
