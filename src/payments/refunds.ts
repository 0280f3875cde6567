// POST /admin/v1/refunds: give money back for a paid order, either as credits on the balance
// or in cash through the provider that took the payment. Each refund is a refunds row, a
// ledger entry and a credit note referring to the order's invoice. The amount is reserved on
// the order first, so two refunds at once can never exceed what was paid.
import { createHash } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { newId } from "../../db/accounts.ts";
import { issueDocument } from "../../db/invoices.ts";
import { lockOrder, type OrderRow } from "../../db/orders.ts";
import { orders, refunds } from "../../db/schema.ts";
import { creditInTx, writeAudit, type Tx } from "../../db/tx.ts";
import { BillingError, Effects, nowOf, type BillingDeps } from "./deps.ts";
import { idrToMicro } from "./money.ts";
import { PaymentProviderError } from "./types.ts";

export type RefundRow = typeof refunds.$inferSelect;

export interface RefundInput {
  orderId: string;
  amountIdr: number;
  method: "balance" | "provider";
  reason: string;
  /** Cash refunds only: credits to take back from the balance (e.g. an unused pack). */
  revokeMicro: bigint;
  idempotencyKey?: string;
  actor: string;
}

export function refundView(r: RefundRow) {
  return {
    id: r.id,
    order_id: r.orderId,
    user_id: r.userId,
    amount_idr: r.amountIdr,
    method: r.method,
    status: r.status,
    reason: r.reason,
    credited_micro: Number(r.creditedMicro),
    provider_refund_id: r.providerRefundId,
    credit_note_number: r.creditNoteNumber,
    created_at: r.createdAt.toISOString(),
  };
}

function refundState(order: OrderRow, extra: number): "refunded" | "partially_refunded" {
  return order.refundedIdr + extra >= order.amountIdr ? "refunded" : "partially_refunded";
}

export async function refundOrder(deps: BillingDeps, input: RefundInput): Promise<{ refund: RefundRow; created: boolean }> {
  const id = input.idempotencyKey ? `rfd_${createHash("sha256").update(input.idempotencyKey).digest("hex").slice(0, 20)}` : newId("rfd");
  const at = nowOf(deps);
  const effects = new Effects();
  const reserved = await deps.database.db.transaction(async (tx) => {
    const existing = (await tx.select().from(refunds).where(eq(refunds.id, id)).limit(1))[0];
    if (existing) return { existing };
    const order = await lockOrder(tx, input.orderId);
    if (!order) throw new BillingError(404, "not_found", `No order ${input.orderId}.`);
    if (order.status !== "paid" && order.status !== "partially_refunded") throw new BillingError(409, "not_paid", `Order ${order.id} is ${order.status}; only paid orders are refunded.`);
    if (input.amountIdr > order.amountIdr - order.refundedIdr) {
      throw new BillingError(409, "over_refund", `At most ${order.amountIdr - order.refundedIdr} IDR of order ${order.id} is left to refund.`);
    }
    const provider = deps.providers.byName[order.provider as "midtrans" | "xendit"];
    if (input.method === "provider" && !provider) throw new BillingError(409, "no_provider", `Order ${order.id} was not paid through a configured provider.`);
    const row = (
      await tx
        .insert(refunds)
        .values({
          id,
          orderId: order.id,
          userId: order.userId,
          amountIdr: input.amountIdr,
          method: input.method,
          status: input.method === "balance" ? "completed" : "pending",
          reason: input.reason,
          actor: input.actor,
          createdAt: at,
        })
        .returning()
    )[0]!;
    await tx.update(orders).set({ refundedIdr: sql`${orders.refundedIdr} + ${input.amountIdr}`, updatedAt: at }).where(eq(orders.id, order.id));
    if (input.method === "balance") {
      const done = await completeInTx(tx, deps, effects, order, row, at, null);
      return { done };
    }
    return { pending: { order, row } };
  });
  if ("existing" in reserved && reserved.existing) return { refund: reserved.existing, created: false };
  if ("done" in reserved && reserved.done) {
    await effects.apply(deps);
    return { refund: reserved.done, created: true };
  }
  const { order, row } = (reserved as { pending: { order: OrderRow; row: RefundRow } }).pending;
  const provider = deps.providers.byName[order.provider as "midtrans" | "xendit"]!;
  let providerRefundId: string;
  try {
    providerRefundId = (
      await provider.refund({ refundId: row.id, orderId: order.id, chargeId: order.providerChargeId, paymentId: order.providerPaymentId, amountIdr: row.amountIdr, reason: row.reason })
    ).providerRefundId;
  } catch (err) {
    // Give the reservation back: the money did not move.
    await deps.database.db.transaction(async (tx) => {
      await tx.update(refunds).set({ status: "failed" }).where(eq(refunds.id, row.id));
      await tx.update(orders).set({ refundedIdr: sql`${orders.refundedIdr} - ${row.amountIdr}` }).where(eq(orders.id, order.id));
      await writeAudit(tx, { actor: input.actor, action: "refund.failed", target: order.id, after: { refundId: row.id, error: err instanceof Error ? err.message : String(err) } });
    });
    const why = err instanceof PaymentProviderError ? err.message : "provider error";
    throw new BillingError(502, "refund_failed", `The provider refused the refund (${why}); nothing was refunded.`);
  }
  const done = await deps.database.db.transaction(async (tx) => {
    const fresh = (await lockOrder(tx, order.id))!;
    // refunded_idr already includes this refund's reservation.
    return completeInTx(tx, deps, effects, { ...fresh, refundedIdr: fresh.refundedIdr - row.amountIdr }, row, at, providerRefundId, input.revokeMicro);
  });
  await effects.apply(deps);
  return { refund: done, created: true };
}

async function completeInTx(
  tx: Tx,
  deps: BillingDeps,
  effects: Effects,
  order: OrderRow,
  row: RefundRow,
  at: Date,
  providerRefundId: string | null,
  revokeMicro = 0n,
): Promise<RefundRow> {
  const note = await issueDocument(tx, {
    kind: "credit_note",
    userId: order.userId,
    orderId: order.id,
    refundId: row.id,
    refersTo: order.invoiceNumber,
    status: "issued",
    lines: [{ description: `Refund of order ${order.id}${row.method === "balance" ? " to the credit balance" : ""}: ${row.reason}`, quantity: 1, unitPriceIdr: row.amountIdr }],
    taxRateBps: deps.payments.taxRateBps,
    at,
  });
  // Balance refunds add credits; cash refunds move no credits unless some are revoked, but
  // still leave their ledger row so the ledger tells every money movement.
  const micro = row.method === "balance" ? idrToMicro(row.amountIdr, deps.payments.idrPerCredit) : -revokeMicro;
  if (
    await creditInTx(tx, {
      eventId: `refund:${row.id}`,
      kind: "refund",
      userId: order.userId,
      amountMicro: micro,
      reason: `refund of ${order.id} (${row.method}): ${row.reason}`,
      meta: { refund_id: row.id, order_id: order.id, amount_idr: row.amountIdr, method: row.method, credit_note: note.number },
    })
  ) {
    effects.credit(order.userId, micro);
  }
  const state = refundState(order, row.amountIdr);
  await tx.update(orders).set({ status: state, updatedAt: at }).where(eq(orders.id, order.id));
  const done = (
    await tx
      .update(refunds)
      .set({ status: "completed", creditedMicro: micro, creditNoteNumber: note.number, providerRefundId })
      .where(eq(refunds.id, row.id))
      .returning()
  )[0]!;
  await writeAudit(tx, { actor: row.actor, action: "refund.create", target: order.id, before: { status: order.status, refundedIdr: order.refundedIdr }, after: refundView(done) });
  return done;
}
