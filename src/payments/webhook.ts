// POST /webhooks/{provider}: authenticate, parse, confirm a payment with the provider's
// status API before granting value (payments.md 5.3), then apply once. Every authentic
// notification gets 200 whatever it did; 401 and 400 change nothing; 503 asks the provider
// to retry when we could not confirm just now.
import { getOrder } from "../../db/orders.ts";
import type { BillingDeps } from "./deps.ts";
import { applyPaymentEvent, type EventOutcome } from "./events.ts";
import { STATE_RANK, type PaymentEvent, type PaymentState, type ProviderName } from "./types.ts";

export interface WebhookReply {
  status: number;
  body: { received: boolean; outcome?: EventOutcome | "ignored" | "unconfirmed"; error?: string };
}

export async function handleWebhook(deps: BillingDeps, name: ProviderName, rawBody: string, headers: Headers): Promise<WebhookReply> {
  const provider = deps.providers.byName[name];
  if (!provider) return { status: 404, body: { received: false, error: `${name} is not configured` } };
  const verdict = provider.verifyWebhook(rawBody, headers);
  switch (verdict.kind) {
    case "unauthorized":
      console.warn(`[sluice-billing] rejected ${name} notification: ${verdict.reason}`);
      return { status: 401, body: { received: false, error: "invalid signature or token" } };
    case "malformed":
      return { status: 400, body: { received: false, error: verdict.reason } };
    case "ignored":
      return { status: 200, body: { received: true, outcome: "ignored" } };
  }
  let event = verdict.event;
  if (event.state === "paid") {
    const order = await getOrder(deps.database.db, event.orderId);
    const wouldActivate =
      order !== null &&
      order.provider === name &&
      order.flaggedAt === null &&
      order.amountIdr === event.amountIdr &&
      STATE_RANK[(order.status as PaymentState) in STATE_RANK ? (order.status as PaymentState) : "pending"] < STATE_RANK.paid;
    if (order && wouldActivate) {
      let truth: PaymentEvent | null;
      try {
        truth = await provider.status({ orderId: order.id, chargeId: order.providerChargeId ?? event.chargeId });
      } catch (err) {
        console.error(`[sluice-billing] ${name} status check for ${order.id} failed:`, err instanceof Error ? err.message : err);
        return { status: 503, body: { received: false, error: "could not confirm the payment now; retry" } };
      }
      // Not (yet) paid at the source: record nothing, so a retry or the sweeper can apply it later.
      if (!truth || truth.state !== "paid") return { status: 200, body: { received: true, outcome: "unconfirmed" } };
      if (truth.amountIdr !== event.amountIdr || truth.currency !== event.currency) {
        event = { ...event, amountIdr: truth.amountIdr, currency: truth.currency };
      }
    }
  }
  const outcome = await applyPaymentEvent(deps, event, rawBody);
  return { status: 200, body: { received: true, outcome } };
}
