// Subscriptions: one row per period of a plan. 'active' is the period in force (at most one
// per user), 'scheduled' a renewal paid ahead, then 'ended' / 'expired' / 'replaced'.
import { and, asc, eq, lte, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { ledger, subscriptions, users } from "./schema.ts";
import type { Q } from "./tx.ts";

export type SubscriptionRow = typeof subscriptions.$inferSelect;

export async function activeSubscription(q: Q, userId: string, lock = false): Promise<SubscriptionRow | null> {
  const base = q.select().from(subscriptions).where(and(eq(subscriptions.userId, userId), eq(subscriptions.status, "active"))).limit(1);
  return (await (lock ? base.for("update") : base))[0] ?? null;
}

/**
 * Included credits this period has been credited: the plan's grant, prorated upgrade grants,
 * less what downgrades took back. Every such ledger row names its subscription.
 */
export async function includedCredited(q: Q, sub: SubscriptionRow): Promise<bigint> {
  const rows = await q
    .select({ total: sql<string>`coalesce(sum(${ledger.amountMicro}), 0)::text` })
    .from(ledger)
    .where(and(eq(ledger.userId, sub.userId), eq(ledger.kind, "plan_credit"), sql`${ledger.meta}->>'subscription_id' = ${sub.id}`));
  return BigInt(rows[0]?.total ?? "0");
}

export async function scheduledSubscription(q: Q, userId: string): Promise<SubscriptionRow | null> {
  return (await q.select().from(subscriptions).where(and(eq(subscriptions.userId, userId), eq(subscriptions.status, "scheduled"))).limit(1))[0] ?? null;
}

export async function trialUsed(q: Q, userId: string): Promise<boolean> {
  return (await q.select({ id: subscriptions.id }).from(subscriptions).where(and(eq(subscriptions.userId, userId), eq(subscriptions.isTrial, true))).limit(1)).length > 0;
}

export async function dueSubscriptions(database: Database, now: Date, limit: number): Promise<SubscriptionRow[]> {
  return database.db
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.status, "active"), lte(subscriptions.periodEnd, now)))
    .orderBy(asc(subscriptions.periodEnd))
    .limit(limit);
}

export async function setUserPlan(tx: Q, userId: string, planId: string | null, planStatus: string | null): Promise<void> {
  await tx.update(users).set({ planId, planStatus }).where(eq(users.id, userId));
}

export function subscriptionView(s: SubscriptionRow) {
  return {
    id: s.id,
    plan_id: s.planId,
    status: s.status,
    is_trial: s.isTrial,
    period_start: s.periodStart.toISOString(),
    period_end: s.periodEnd.toISOString(),
    paid_idr: s.paidIdr,
    cancel_at_period_end: s.cancelAtPeriodEnd,
  };
}
