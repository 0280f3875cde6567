// QRIS orders: one row per charge, moved only forward through the states of STATE_RANK.
import { and, asc, desc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import { randomBytes } from "node:crypto";
import type { Database } from "./client.ts";
import { orders, webhookEvents } from "./schema.ts";
import type { Q } from "./tx.ts";

export type OrderRow = typeof orders.$inferSelect;
export type OrderKind = "plan" | "renewal" | "upgrade" | "pack" | "trial" | "downgrade" | "grant";

/**
 * Order ids double as the provider's order_id / reference_id, which must be unique there and
 * readable in their dashboards: SLC-PLAN-20250301-<random>.
 */
export function newOrderId(kind: OrderKind, now: Date): string {
  const day = new Date(now.getTime() + 7 * 3600_000).toISOString().slice(0, 10).replace(/-/g, "");
  return `SLC-${kind.toUpperCase()}-${day}-${randomBytes(6).toString("hex")}`;
}

export async function getOrder(q: Q, id: string): Promise<OrderRow | null> {
  return (await q.select().from(orders).where(eq(orders.id, id)).limit(1))[0] ?? null;
}

export async function lockOrder(tx: Q, id: string): Promise<OrderRow | null> {
  return (await tx.select().from(orders).where(eq(orders.id, id)).for("update").limit(1))[0] ?? null;
}

export async function listOrders(database: Database, userId: string, limit = 100): Promise<OrderRow[]> {
  return database.db.select().from(orders).where(eq(orders.userId, userId)).orderBy(desc(orders.createdAt)).limit(limit);
}

/** Pending orders created before `olderThan` and not polled since `polledBefore`. */
export async function stalePendingOrders(database: Database, olderThan: Date, polledBefore: Date, limit: number): Promise<OrderRow[]> {
  return database.db
    .select()
    .from(orders)
    .where(
      and(
        eq(orders.status, "pending"),
        lt(orders.createdAt, olderThan),
        isNull(orders.flaggedAt),
        or(isNull(orders.lastPolledAt), lt(orders.lastPolledAt, polledBefore)),
      ),
    )
    .orderBy(asc(orders.createdAt))
    .limit(limit);
}

export async function markPolled(database: Database, id: string, at: Date): Promise<void> {
  await database.db.update(orders).set({ lastPolledAt: at }).where(eq(orders.id, id));
}

/** Records a notification; false when the same (provider, event key) was seen before. */
export async function recordWebhookEvent(
  tx: Q,
  e: { provider: string; eventKey: string; orderId: string | null; outcome: string; rawBody: string | null },
): Promise<boolean> {
  const rows = await tx.insert(webhookEvents).values(e).onConflictDoNothing().returning({ id: webhookEvents.id });
  return rows.length > 0;
}

export async function setWebhookOutcome(tx: Q, provider: string, eventKey: string, outcome: string): Promise<void> {
  await tx.update(webhookEvents).set({ outcome }).where(and(eq(webhookEvents.provider, provider), eq(webhookEvents.eventKey, eventKey)));
}

export async function flagOrder(tx: Q, id: string, reason: string, at: Date): Promise<void> {
  await tx.update(orders).set({ flaggedAt: at, flagReason: reason, updatedAt: at }).where(and(eq(orders.id, id), isNull(orders.flaggedAt)));
}

export async function setOrderStatus(tx: Q, id: string, from: string[], to: string, extra: Partial<typeof orders.$inferInsert> = {}): Promise<boolean> {
  const rows = await tx
    .update(orders)
    .set({ ...extra, status: to, updatedAt: sql`now()` })
    .where(and(eq(orders.id, id), inArray(orders.status, from)))
    .returning({ id: orders.id });
  return rows.length > 0;
}

export function orderView(o: OrderRow) {
  return {
    id: o.id,
    kind: o.kind,
    status: o.status,
    amount_idr: o.amountIdr,
    currency: o.currency,
    plan_id: o.planId,
    pack_id: o.packId,
    provider: o.provider,
    qr_string: o.status === "pending" ? o.qrString : null,
    expires_at: o.expiresAt ? o.expiresAt.toISOString() : null,
    paid_at: o.paidAt ? o.paidAt.toISOString() : null,
    flagged: o.flaggedAt !== null,
    refunded_idr: o.refundedIdr,
    invoice_number: o.invoiceNumber,
    receipt_number: o.receiptNumber,
    details: o.details,
    created_at: o.createdAt.toISOString(),
  };
}
