// The billing job, run on a timer in every instance (each step is a conditional update, so
// instances running it at once do no harm):
// 1. periods that ended: a renewal paid ahead takes over (with its included credits), else
//    the plan expires and the user falls back to the default plan's limits;
// 2. orders pending for more than two minutes: ask the provider (payments.md 5.8), and
//    expire locally those long past their QR's expiry that the provider no longer knows.
import { and, eq } from "drizzle-orm";
import { markPolled, stalePendingOrders, setOrderStatus, type OrderRow } from "../../db/orders.ts";
import { setInvoiceStatus } from "../../db/invoices.ts";
import { getPlan } from "../../db/plans.ts";
import { subscriptions } from "../../db/schema.ts";
import { dueSubscriptions, setUserPlan } from "../../db/subscriptions.ts";
import { writeAudit } from "../../db/tx.ts";
import { Effects, nowOf, type BillingDeps } from "./deps.ts";
import { applyPaymentEvent } from "./events.ts";
import { grantIncluded } from "./fulfil.ts";

const POLL_AFTER_MS = 2 * 60_000;
const POLL_EVERY_MS = 60_000;
/** How long after a QR's expiry an order still pending is given up on. */
const EXPIRE_GRACE_MS = 10 * 60_000;

export interface JobReport {
  renewed: number;
  expired: number;
  polled: number;
  ordersExpired: number;
}

export async function runBillingJobs(deps: BillingDeps): Promise<JobReport> {
  const now = nowOf(deps);
  const report: JobReport = { renewed: 0, expired: 0, polled: 0, ordersExpired: 0 };
  for (const due of await dueSubscriptions(deps.database, now, 500)) {
    const effects = new Effects();
    const result = await deps.database.db.transaction(async (tx) => {
      const ended = await tx
        .update(subscriptions)
        .set({ status: "ended", updatedAt: now })
        .where(and(eq(subscriptions.id, due.id), eq(subscriptions.status, "active")))
        .returning();
      if (ended.length === 0) return null;
      const next = (
        await tx.select().from(subscriptions).where(and(eq(subscriptions.userId, due.userId), eq(subscriptions.status, "scheduled"))).for("update").limit(1)
      )[0];
      if (next) {
        const activated = (await tx.update(subscriptions).set({ status: "active", updatedAt: now }).where(eq(subscriptions.id, next.id)).returning())[0]!;
        const plan = await getPlan(tx, next.planId);
        if (plan) await grantIncluded(tx, effects, activated, plan);
        await setUserPlan(tx, due.userId, next.planId, "active");
        await writeAudit(tx, { actor: "billing-job", action: "subscription.renewed", target: due.userId, before: due, after: activated });
        effects.limitsChanged.add(due.userId);
        return "renewed" as const;
      }
      await tx.update(subscriptions).set({ status: "expired" }).where(eq(subscriptions.id, due.id));
      await setUserPlan(tx, due.userId, due.planId, "expired");
      await writeAudit(tx, { actor: "billing-job", action: "subscription.expired", target: due.userId, before: due });
      effects.limitsChanged.add(due.userId);
      return "expired" as const;
    });
    await effects.apply(deps);
    if (result === "renewed") report.renewed++;
    if (result === "expired") report.expired++;
  }

  const stale = await stalePendingOrders(deps.database, new Date(now.getTime() - POLL_AFTER_MS), new Date(now.getTime() - POLL_EVERY_MS), 100);
  for (const order of stale) {
    const r = await refreshPendingOrder(deps, order, now);
    if (r !== "skipped") report.polled++;
    if (r === "expired") report.ordersExpired++;
  }
  return report;
}

/**
 * Asks the provider about one pending order and applies what it says; gives the order up
 * (expired, invoice void) once its QR is long past expiry and the provider still has no payment.
 */
export async function refreshPendingOrder(deps: BillingDeps, order: OrderRow, now: Date): Promise<"skipped" | "unchanged" | "applied" | "expired"> {
  const provider = deps.providers.byName[order.provider as "midtrans" | "xendit"];
  if (!provider || order.status !== "pending" || order.flaggedAt) return "skipped";
  await markPolled(deps.database, order.id, now);
  try {
    const truth = await provider.status({ orderId: order.id, chargeId: order.providerChargeId });
    if (truth && truth.state !== "pending") {
      await applyPaymentEvent(deps, truth, null);
      return "applied";
    }
  } catch (err) {
    console.error(`[sluice-billing] polling ${order.id} failed:`, err instanceof Error ? err.message : err);
    return "unchanged";
  }
  if (order.expiresAt && order.expiresAt.getTime() + EXPIRE_GRACE_MS < now.getTime()) {
    const expired = await deps.database.db.transaction(async (tx) => {
      if (!(await setOrderStatus(tx, order.id, ["pending"], "expired"))) return false;
      if (order.invoiceNumber) await setInvoiceStatus(tx, order.invoiceNumber, "void", now);
      return true;
    });
    if (expired) return "expired";
  }
  return "unchanged";
}

/** Starts the job on an interval; returns a stop function that waits for a run in progress. */
export function startBillingJobs(deps: BillingDeps, intervalMs: number): () => Promise<void> {
  if (intervalMs <= 0) return async () => {};
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = runBillingJobs(deps)
      .catch((err: unknown) => console.error("[sluice-billing] billing job failed:", err))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
