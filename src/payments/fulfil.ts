// What a paid order buys, applied inside the transaction that marks it paid: a plan period,
// a renewal paid ahead, an upgrade, or a credit pack. Also the documents of that moment.
import { and, eq } from "drizzle-orm";
import { newId } from "../../db/accounts.ts";
import { issueDocument, setInvoiceStatus } from "../../db/invoices.ts";
import type { OrderRow } from "../../db/orders.ts";
import { getPlan, type PlanRow } from "../../db/plans.ts";
import { orders, subscriptions, invoices } from "../../db/schema.ts";
import { activeSubscription, scheduledSubscription, setUserPlan, type SubscriptionRow } from "../../db/subscriptions.ts";
import { creditInTx, writeAudit, type Tx } from "../../db/tx.ts";
import type { Effects } from "./deps.ts";
import { periodBounds } from "./period.ts";

export type FulfilResult = { ok: true } | { ok: false; reason: string };

/** Ends the current period (if any) and starts a new subscription anchored at `at`. */
export async function startSubscriptionInTx(
  tx: Tx,
  effects: Effects,
  input: { userId: string; plan: PlanRow; at: Date; paidIdr: number; orderId: string | null; grantCredits: boolean; actor: string },
): Promise<SubscriptionRow> {
  const current = await activeSubscription(tx, input.userId, true);
  if (current) {
    await tx.update(subscriptions).set({ status: "replaced", updatedAt: input.at }).where(eq(subscriptions.id, current.id));
  }
  const bounds = periodBounds(input.plan, input.at, 0);
  const row = (
    await tx
      .insert(subscriptions)
      .values({
        id: newId("sub"),
        userId: input.userId,
        planId: input.plan.id,
        status: "active",
        isTrial: input.plan.isTrial,
        anchorAt: input.at,
        cycle: 0,
        periodStart: bounds.start,
        periodEnd: bounds.end,
        paidIdr: input.paidIdr,
        orderId: input.orderId,
      })
      .returning()
  )[0]!;
  if (input.grantCredits) await grantIncluded(tx, effects, row, input.plan);
  await setUserPlan(tx, input.userId, input.plan.id, "active");
  effects.limitsChanged.add(input.userId);
  await writeAudit(tx, { actor: input.actor, action: "subscription.start", target: input.userId, before: current, after: row });
  return row;
}

/** The plan's included credits for one period, once per subscription row (event id). */
export async function grantIncluded(tx: Tx, effects: Effects, sub: SubscriptionRow, plan: PlanRow): Promise<void> {
  if (plan.includedMicro <= 0n) return;
  const applied = await creditInTx(tx, {
    eventId: `plan_credit:${sub.id}`,
    kind: "plan_credit",
    userId: sub.userId,
    amountMicro: plan.includedMicro,
    reason: `${plan.name} plan: included credits`,
    meta: { subscription_id: sub.id, plan_id: plan.id, order_id: sub.orderId },
  });
  if (applied) effects.credit(sub.userId, plan.includedMicro);
}

function detail(order: OrderRow, key: string): string | null {
  const v = order.details?.[key];
  return v === undefined || v === null ? null : String(v);
}

export async function fulfilInTx(tx: Tx, effects: Effects, order: OrderRow, at: Date): Promise<FulfilResult> {
  if (order.kind === "pack") {
    const micro = BigInt(detail(order, "credits_micro") ?? "0");
    const applied = await creditInTx(tx, {
      eventId: `pack:${order.id}`,
      kind: "topup",
      userId: order.userId,
      amountMicro: micro,
      reason: `credit pack ${order.packId ?? ""}`.trim(),
      meta: { order_id: order.id, pack_id: order.packId },
    });
    if (applied) effects.credit(order.userId, micro);
    return { ok: true };
  }
  const plan = order.planId ? await getPlan(tx, order.planId) : null;
  if (!plan) return { ok: false, reason: `plan ${order.planId ?? "?"} no longer exists` };
  const current = await activeSubscription(tx, order.userId, true);

  if (order.kind === "plan" || (order.kind === "renewal" && !current)) {
    if (current && !current.isTrial && current.planId !== plan.id) {
      return { ok: false, reason: `user moved to plan ${current.planId} after this checkout` };
    }
    if (!current || current.isTrial) {
      await startSubscriptionInTx(tx, effects, { userId: order.userId, plan, at, paidIdr: order.amountIdr, orderId: order.id, grantCredits: true, actor: "payment" });
      return { ok: true };
    }
    // Paid twice for the plan already held: the second payment buys the next period.
  }

  if (order.kind === "plan" || order.kind === "renewal") {
    if (!current || current.planId !== plan.id) return { ok: false, reason: "renewal no longer matches the current plan" };
    if (await scheduledSubscription(tx, order.userId)) return { ok: false, reason: "a renewal is already scheduled" };
    const bounds = periodBounds(plan, current.anchorAt, current.cycle + 1);
    const row = (
      await tx
        .insert(subscriptions)
        .values({
          id: newId("sub"),
          userId: order.userId,
          planId: plan.id,
          status: "scheduled",
          anchorAt: current.anchorAt,
          cycle: current.cycle + 1,
          periodStart: bounds.start,
          periodEnd: bounds.end,
          paidIdr: order.amountIdr,
          orderId: order.id,
        })
        .returning()
    )[0]!;
    await writeAudit(tx, { actor: "payment", action: "subscription.renew", target: order.userId, after: row });
    return { ok: true };
  }

  if (order.kind === "upgrade") {
    if (!current || current.id !== order.subscriptionId || current.planId !== detail(order, "from_plan")) {
      return { ok: false, reason: "the subscription changed after this upgrade was checked out" };
    }
    const after = (
      await tx
        .update(subscriptions)
        .set({ planId: plan.id, paidIdr: Number(detail(order, "new_paid_idr") ?? plan.priceIdr), orderId: order.id, updatedAt: at })
        .where(eq(subscriptions.id, current.id))
        .returning()
    )[0]!;
    const micro = BigInt(detail(order, "credit_micro") ?? "0");
    if (micro > 0n) {
      const applied = await creditInTx(tx, {
        eventId: `plan_credit:${order.id}`,
        kind: "plan_credit",
        userId: order.userId,
        amountMicro: micro,
        reason: `upgrade to ${plan.name}: prorated included credits`,
        meta: { subscription_id: current.id, order_id: order.id },
      });
      if (applied) effects.credit(order.userId, micro);
    }
    await setUserPlan(tx, order.userId, plan.id, current.cancelAtPeriodEnd ? "canceled" : "active");
    effects.limitsChanged.add(order.userId);
    await writeAudit(tx, { actor: "payment", action: "subscription.upgrade", target: order.userId, before: current, after });
    return { ok: true };
  }
  return { ok: false, reason: `order kind ${order.kind} is not paid through a provider` };
}

/** Receipt for a paid order (same lines as its invoice), and the invoice marked paid. */
export async function issueReceiptInTx(tx: Tx, order: OrderRow, at: Date): Promise<void> {
  if (!order.invoiceNumber || order.receiptNumber) return;
  const invoice = (await tx.select().from(invoices).where(eq(invoices.number, order.invoiceNumber)).limit(1))[0];
  if (!invoice) return;
  const receipt = await issueDocument(tx, {
    kind: "receipt",
    userId: order.userId,
    orderId: order.id,
    refersTo: invoice.number,
    status: "paid",
    lines: invoice.lines.map((l) => ({ description: l.description, quantity: l.quantity, unitPriceIdr: l.unit_price_idr })),
    taxRateBps: invoice.taxRateBps,
    at,
  });
  await setInvoiceStatus(tx, invoice.number, "paid", at);
  await tx.update(orders).set({ receiptNumber: receipt.number }).where(and(eq(orders.id, order.id)));
}
