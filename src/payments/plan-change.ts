// Plan changes that need no payment: downgrades (immediate, with the pro-rata refund of
// payments.md section 4 credited to the balance and a credit note), cancellation (runs to the
// period end), and admin assignments.
import { eq } from "drizzle-orm";
import { newId } from "../../db/accounts.ts";
import { issueDocument } from "../../db/invoices.ts";
import { newOrderId, type OrderRow } from "../../db/orders.ts";
import { getPlan, type PlanRow } from "../../db/plans.ts";
import { orders, refunds, subscriptions, users } from "../../db/schema.ts";
import { activeSubscription, includedCredited, scheduledSubscription, setUserPlan, type SubscriptionRow } from "../../db/subscriptions.ts";
import { creditInTx, writeAudit, type Tx } from "../../db/tx.ts";
import { BillingError, Effects, nowOf, type BillingDeps } from "./deps.ts";
import { startSubscriptionInTx } from "./fulfil.ts";
import { idrToMicro, prorateDownMicro, settleDowngrade } from "./money.ts";

export interface DowngradeResult {
  order: OrderRow;
  refundIdr: number;
  refundMicro: bigint;
  /** The old plan's included credits for the rest of the period, taken back from the balance. */
  creditsReturnedMicro: bigint;
  creditNoteNumber: string | null;
  subscription: SubscriptionRow;
}

export async function downgradeNow(deps: BillingDeps, userId: string, plan: PlanRow, actor: string): Promise<DowngradeResult> {
  const effects = new Effects();
  const at = nowOf(deps);
  const result = await deps.database.db.transaction(async (tx) => {
    const current = await activeSubscription(tx, userId, true);
    if (!current || current.isTrial) throw new BillingError(409, "no_plan", "There is no paid plan to downgrade from.");
    if (current.planId === plan.id) throw new BillingError(409, "same_plan", `Already on ${plan.id}.`);
    if (await scheduledSubscription(tx, userId)) throw new BillingError(409, "renewal_pending", "A renewal is already paid for the next period; change plans after it starts.");
    return downgradeInTx(tx, deps, effects, current, plan, at, actor);
  });
  await effects.apply(deps);
  return result;
}

async function downgradeInTx(tx: Tx, deps: BillingDeps, effects: Effects, current: SubscriptionRow, plan: PlanRow, at: Date, actor: string): Promise<DowngradeResult> {
  const window = { periodStart: current.periodStart, periodEnd: current.periodEnd, at };
  const oldPlan = await getPlan(tx, current.planId);
  const settlement = settleDowngrade({
    paidOldIdr: current.paidIdr,
    newPriceIdr: plan.priceIdr,
    oldIncludedMicro: oldPlan?.includedMicro ?? 0n,
    newIncludedMicro: plan.includedMicro,
    grantedMicro: await includedCredited(tx, current),
    balanceMicro: await balanceNow(tx, deps, current.userId),
    idrPerCredit: deps.payments.idrPerCredit,
    window,
  });
  const { refundIdr, creditsReturnedMicro, usageOffsetIdr } = settlement;
  const refundMicro = idrToMicro(refundIdr, deps.payments.idrPerCredit);
  const orderId = newOrderId("downgrade", at);
  const order = (
    await tx
      .insert(orders)
      .values({
        id: orderId,
        userId: current.userId,
        kind: "downgrade",
        planId: plan.id,
        subscriptionId: current.id,
        amountIdr: 0,
        status: "paid",
        provider: "none",
        paidAt: at,
        details: {
          from_plan: current.planId,
          to_plan: plan.id,
          paid_old_idr: current.paidIdr,
          price_new_idr: plan.priceIdr,
          remaining_seconds: Math.floor((current.periodEnd.getTime() - at.getTime()) / 1000),
          period_seconds: Math.floor((current.periodEnd.getTime() - current.periodStart.getTime()) / 1000),
          refund_idr: refundIdr,
          usage_offset_idr: usageOffsetIdr,
          credits_returned_micro: creditsReturnedMicro.toString(),
        },
        createdAt: at,
        updatedAt: at,
      })
      .returning()
  )[0]!;
  const subscription = (
    await tx
      .update(subscriptions)
      // The user has now paid the new price for what is left, so a later change prorates from it.
      .set({ planId: plan.id, paidIdr: Math.min(plan.priceIdr, current.paidIdr), updatedAt: at })
      .where(eq(subscriptions.id, current.id))
      .returning()
  )[0]!;

  let creditNoteNumber: string | null = null;
  if (refundIdr > 0) {
    const refundId = newId("rfd");
    const paidOrder = current.orderId ? (await tx.select().from(orders).where(eq(orders.id, current.orderId)).limit(1))[0] : undefined;
    const note = await issueDocument(tx, {
      kind: "credit_note",
      userId: current.userId,
      orderId,
      refundId,
      refersTo: paidOrder?.invoiceNumber ?? null,
      status: "issued",
      lines: [
        {
          description:
            `Pro-rata refund, downgrade ${current.planId} → ${plan.id} (${order.details?.remaining_seconds} of ${order.details?.period_seconds} s left)` +
            (usageOffsetIdr > 0 ? `, less Rp ${usageOffsetIdr} for included credits already used` : ""),
          quantity: 1,
          unitPriceIdr: refundIdr,
        },
      ],
      taxRateBps: deps.payments.taxRateBps,
      at,
    });
    creditNoteNumber = note.number;
    await tx.insert(refunds).values({
      id: refundId,
      orderId,
      userId: current.userId,
      amountIdr: refundIdr,
      method: "balance",
      status: "completed",
      reason: `downgrade ${current.planId} → ${plan.id}`,
      creditedMicro: refundMicro,
      creditNoteNumber: note.number,
      actor,
      createdAt: at,
    });
    if (
      await creditInTx(tx, {
        eventId: `refund:${refundId}`,
        kind: "refund",
        userId: current.userId,
        amountMicro: refundMicro,
        reason: `pro-rata refund: downgrade to ${plan.name}`,
        meta: { refund_id: refundId, order_id: orderId, amount_idr: refundIdr, credit_note: note.number },
      })
    ) {
      effects.credit(current.userId, refundMicro);
    }
  }
  if (creditsReturnedMicro > 0n) {
    const applied = await creditInTx(tx, {
      eventId: `plan_credit:${orderId}`,
      kind: "plan_credit",
      userId: current.userId,
      amountMicro: -creditsReturnedMicro,
      reason: `downgrade to ${plan.name}: included credits of the refunded period returned`,
      meta: { subscription_id: current.id, order_id: orderId },
    });
    if (applied) effects.credit(current.userId, -creditsReturnedMicro);
  }
  await setUserPlan(tx, current.userId, plan.id, current.cancelAtPeriodEnd ? "canceled" : "active");
  effects.limitsChanged.add(current.userId);
  await writeAudit(tx, {
    actor,
    action: "subscription.downgrade",
    target: current.userId,
    before: current,
    after: { subscription, refundIdr, refundMicro, usageOffsetIdr, creditsReturnedMicro, creditNoteNumber },
  });
  return { order, refundIdr, refundMicro, creditsReturnedMicro, creditNoteNumber, subscription };
}

/** The balance admission sees (the hot store), falling back to Postgres if it holds none. */
async function balanceNow(tx: Tx, deps: BillingDeps, userId: string): Promise<bigint> {
  const hot = await deps.store.getBalance(userId);
  if (hot !== null) return hot;
  const row = (await tx.select({ balanceMicro: users.balanceMicro }).from(users).where(eq(users.id, userId)).limit(1))[0];
  return row?.balanceMicro ?? 0n;
}

/** Stops renewal; the plan and its limits stay until the period ends. */
export async function cancelAtPeriodEnd(deps: BillingDeps, userId: string, actor: string): Promise<SubscriptionRow> {
  return deps.database.db.transaction(async (tx) => {
    const current = await activeSubscription(tx, userId, true);
    if (!current) throw new BillingError(409, "no_plan", "There is no active plan to cancel.");
    const after = (await tx.update(subscriptions).set({ cancelAtPeriodEnd: true, updatedAt: nowOf(deps) }).where(eq(subscriptions.id, current.id)).returning())[0]!;
    await setUserPlan(tx, userId, current.planId, "canceled");
    await writeAudit(tx, { actor, action: "subscription.cancel", target: userId, before: current, after });
    return after;
  });
}

/**
 * Admin assignment, no payment: a user without a paid plan gets a fresh period (paid_idr 0,
 * so nothing is ever refunded for it); a cheaper plan is a downgrade with its refund; a
 * dearer one switches at once with the prorated included credits, at no charge.
 */
export async function assignPlan(
  deps: BillingDeps,
  userId: string,
  planId: string,
  opts: { actor: string; grantCredits: boolean },
): Promise<{ subscription: SubscriptionRow; refundIdr: number; creditsReturnedMicro: bigint; creditNoteNumber: string | null }> {
  const effects = new Effects();
  const at = nowOf(deps);
  const result = await deps.database.db.transaction(async (tx) => {
    const plan = await getPlan(tx, planId);
    if (!plan) throw new BillingError(404, "not_found", `No plan ${planId}.`);
    const current = await activeSubscription(tx, userId, true);
    if (!current || current.isTrial) {
      const subscription = await startSubscriptionInTx(tx, effects, { userId, plan, at, paidIdr: 0, orderId: null, grantCredits: opts.grantCredits, actor: opts.actor });
      return { subscription, refundIdr: 0, creditsReturnedMicro: 0n, creditNoteNumber: null };
    }
    if (current.planId === plan.id) throw new BillingError(409, "same_plan", `Already on ${plan.id}.`);
    if (await scheduledSubscription(tx, userId)) throw new BillingError(409, "renewal_pending", "A renewal is already scheduled; change plans after it starts.");
    if (plan.priceIdr < current.paidIdr) {
      const r = await downgradeInTx(tx, deps, effects, current, plan, at, opts.actor);
      return { subscription: r.subscription, refundIdr: r.refundIdr, creditsReturnedMicro: r.creditsReturnedMicro, creditNoteNumber: r.creditNoteNumber };
    }
    const oldPlan = await getPlan(tx, current.planId);
    const subscription = (await tx.update(subscriptions).set({ planId: plan.id, updatedAt: at }).where(eq(subscriptions.id, current.id)).returning())[0]!;
    const extra = plan.includedMicro - (oldPlan?.includedMicro ?? 0n);
    const micro = opts.grantCredits && extra > 0n ? prorateDownMicro(extra, { periodStart: current.periodStart, periodEnd: current.periodEnd, at }) : 0n;
    if (micro > 0n) {
      const eventId = `plan_credit:${newId("assign")}`;
      const reason = `assigned ${plan.name}: prorated included credits`;
      if (await creditInTx(tx, { eventId, kind: "plan_credit", userId, amountMicro: micro, reason, meta: { subscription_id: current.id } })) effects.credit(userId, micro);
    }
    await setUserPlan(tx, userId, plan.id, current.cancelAtPeriodEnd ? "canceled" : "active");
    effects.limitsChanged.add(userId);
    await writeAudit(tx, { actor: opts.actor, action: "subscription.assign", target: userId, before: current, after: subscription });
    return { subscription, refundIdr: 0, creditsReturnedMicro: 0n, creditNoteNumber: null };
  });
  await effects.apply(deps);
  return result;
}
