// Applies one payment event (from a webhook or a status poll) to its order, at most once:
// the (provider, event key) row and every change it causes commit together, states only
// move up STATE_RANK, and an amount or currency that differs from the order flags it and
// credits nothing.
import { flagOrder, lockOrder, recordWebhookEvent, setOrderStatus, setWebhookOutcome } from "../../db/orders.ts";
import { setInvoiceStatus } from "../../db/invoices.ts";
import type { Tx } from "../../db/tx.ts";
import { Effects, nowOf, type BillingDeps } from "./deps.ts";
import { fulfilInTx, issueReceiptInTx } from "./fulfil.ts";
import { STATE_RANK, type PaymentEvent, type PaymentState } from "./types.ts";

export type EventOutcome = "applied" | "duplicate" | "stale" | "flagged" | "unknown_order" | "ignored";

function isState(s: string): s is PaymentState {
  return s in STATE_RANK;
}

export async function applyPaymentEvent(deps: BillingDeps, event: PaymentEvent, rawBody: string | null): Promise<EventOutcome> {
  const effects = new Effects();
  const at = nowOf(deps);
  const outcome = await deps.database.db.transaction(async (tx) => {
    const fresh = await recordWebhookEvent(tx, { provider: event.provider, eventKey: event.eventKey, orderId: event.orderId, outcome: "processing", rawBody });
    if (!fresh) return "duplicate" as const;
    const result = await decide(tx, effects, event, at);
    await setWebhookOutcome(tx, event.provider, event.eventKey, result);
    return result;
  });
  await effects.apply(deps);
  if (outcome === "flagged") console.warn(`[sluice-billing] order ${event.orderId} flagged by ${event.provider} event ${event.eventKey}`);
  return outcome;
}

async function decide(tx: Tx, effects: Effects, event: PaymentEvent, at: Date): Promise<EventOutcome> {
  const order = await lockOrder(tx, event.orderId);
  if (!order || order.provider !== event.provider) return "unknown_order";
  // A flagged order waits for a person; nothing automatic touches it again.
  if (order.flaggedAt) return "ignored";
  if (event.currency !== order.currency || event.amountIdr !== order.amountIdr) {
    await flagOrder(tx, order.id, `${event.provider} reported ${event.amountIdr ?? "a non-integer amount"} ${event.currency}, order is ${order.amountIdr} ${order.currency}`, at);
    return "flagged";
  }
  if (event.chargeId && order.providerChargeId && event.chargeId !== order.providerChargeId) {
    await flagOrder(tx, order.id, `${event.provider} charge ${event.chargeId} is not the order's ${order.providerChargeId}`, at);
    return "flagged";
  }
  const current = isState(order.status) ? STATE_RANK[order.status] : 0;
  if (STATE_RANK[event.state] <= current) return "stale";

  if (event.state === "paid") {
    const lower = Object.keys(STATE_RANK).filter((s) => STATE_RANK[s as PaymentState] < STATE_RANK.paid);
    if (!(await setOrderStatus(tx, order.id, lower, "paid", { paidAt: at, providerPaymentId: event.paymentId }))) return "stale";
    if (order.status !== "pending") console.warn(`[sluice-billing] order ${order.id} paid after it was ${order.status}; honouring the payment`);
    await issueReceiptInTx(tx, order, at);
    const fulfilled = await fulfilInTx(tx, effects, { ...order, status: "paid" }, at);
    if (!fulfilled.ok) {
      // The money arrived but cannot be applied as bought: keep it on record for a refund.
      await flagOrder(tx, order.id, `paid, not applied: ${fulfilled.reason}`, at);
      return "flagged";
    }
    return "applied";
  }
  if (event.state === "expired" || event.state === "canceled" || event.state === "failed") {
    if (!(await setOrderStatus(tx, order.id, ["pending"], event.state))) return "stale";
    if (order.invoiceNumber) await setInvoiceStatus(tx, order.invoiceNumber, "void", at);
    return "applied";
  }
  // Refund notifications confirm refunds we started (POST /refunds); the state records it.
  const lower = Object.keys(STATE_RANK).filter((s) => STATE_RANK[s as PaymentState] < STATE_RANK[event.state] && STATE_RANK[s as PaymentState] >= STATE_RANK.paid);
  return (await setOrderStatus(tx, order.id, lower, event.state)) ? "applied" : "stale";
}
