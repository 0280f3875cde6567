// User billing on the gateway port, authenticated by the API key: checkout (QRIS), orders,
// invoices, the current subscription and cancellation. Errors use the OpenAI error shape like
// every other /v1 route.
import { Elysia, t } from "elysia";
import { getOrder, orderView } from "../../../db/orders.ts";
import { invoiceView, listInvoices } from "../../../db/invoices.ts";
import { listPacks, listPlans, packView, planView } from "../../../db/plans.ts";
import { activeSubscription, scheduledSubscription, subscriptionView } from "../../../db/subscriptions.ts";
import { checkout } from "../../payments/checkout.ts";
import { BillingError, type BillingDeps } from "../../payments/deps.ts";
import { cancelAtPeriodEnd } from "../../payments/plan-change.ts";
import { refreshPendingOrder } from "../../payments/jobs.ts";
import type { KeyRecord } from "../../store/types.ts";
import type { KeyAuthenticator } from "../auth.ts";
import { GatewayError } from "../errors.ts";
import type { ErrorKind } from "../../protocols/errors.ts";

const POLL_GAP_MS = 5_000;

export interface BillingRouteDeps {
  auth: KeyAuthenticator;
  /** Absent when this gateway runs without billing (the routes answer 503). */
  billing?: BillingDeps;
}

function kindFor(status: number): ErrorKind {
  if (status === 400) return "invalid_request";
  if (status === 404) return "not_found";
  if (status === 502) return "upstream";
  if (status === 503) return "overloaded";
  return "invalid_request";
}

function toGatewayError(err: unknown): unknown {
  if (err instanceof BillingError) return new GatewayError(kindFor(err.status), err.message, { code: err.code, status: err.status });
  return err;
}

export function billingRoutes(deps: BillingRouteDeps) {
  const caller = async (headers: Headers): Promise<{ key: KeyRecord; billing: BillingDeps }> => {
    const key = await deps.auth.authenticate(headers);
    if (!key) throw new GatewayError("authentication", "Missing or invalid API key.", { code: "invalid_api_key" });
    if (!deps.billing) throw new GatewayError("overloaded", "Billing is not enabled on this gateway.", { code: "billing_unavailable" });
    return { key, billing: deps.billing };
  };
  const guarded = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toGatewayError(err);
    }
  };

  return new Elysia()
    .get(
      "/v1/billing/plans",
      async ({ request }) => {
        const { billing } = await caller(request.headers);
        return {
          plans: (await listPlans(billing.database)).filter((p) => p.status === "active").map(planView),
          packs: (await listPacks(billing.database)).filter((p) => p.status === "active").map(packView),
        };
      },
      { detail: { summary: "Plans and credit packs on sale", tags: ["Billing"] } },
    )
    .post(
      "/v1/billing/checkout",
      async ({ request, body, set }) => {
        const { key, billing } = await caller(request.headers);
        const result = await guarded(() => checkout(billing, key.userId, { planId: body.plan_id, packId: body.pack_id }));
        set.status = result.status === "pending" ? 201 : 200;
        return result;
      },
      {
        body: t.Object({ plan_id: t.Optional(t.String({ minLength: 1 })), pack_id: t.Optional(t.String({ minLength: 1 })) }),
        detail: {
          summary: "Buy a plan or a credit pack with QRIS",
          description:
            "Returns the QRIS payload and a PNG of it. A cheaper plan than the current one is a downgrade, applied at once with a pro-rata refund to the balance; the old plan's included credits for the rest of the period above the new plan's go back with it (`credits_returned_micro`), and any already spent come off the refund. The trial starts at once.",
          tags: ["Billing"],
        },
      },
    )
    .get(
      "/v1/billing/orders/:id",
      async ({ request, params }) => {
        const { key, billing } = await caller(request.headers);
        let order = await getOrder(billing.database.db, params.id);
        // Someone else's order is as unknown as a missing one.
        if (!order || order.userId !== key.userId) throw new GatewayError("not_found", `No order ${params.id}.`, { code: "order_not_found" });
        // A waiting checkout page polls this; ask the provider now and then in case its
        // notification is late (payments.md 5.8), at most every POLL_GAP_MS per order.
        const now = Date.now();
        if (order.status === "pending" && now - order.createdAt.getTime() > POLL_GAP_MS && (!order.lastPolledAt || now - order.lastPolledAt.getTime() > POLL_GAP_MS)) {
          await refreshPendingOrder(billing, order, new Date(now));
          order = (await getOrder(billing.database.db, params.id)) ?? order;
        }
        return orderView(order);
      },
      { params: t.Object({ id: t.String() }), detail: { summary: "One of the caller's orders", tags: ["Billing"] } },
    )
    .get(
      "/v1/billing/invoices",
      async ({ request }) => {
        const { key, billing } = await caller(request.headers);
        return { data: (await listInvoices(billing.database, key.userId)).map(invoiceView) };
      },
      { detail: { summary: "The caller's invoices, receipts and credit notes", tags: ["Billing"] } },
    )
    .get(
      "/v1/billing/subscription",
      async ({ request }) => {
        const { key, billing } = await caller(request.headers);
        const current = await activeSubscription(billing.database.db, key.userId);
        const next = await scheduledSubscription(billing.database.db, key.userId);
        return { current: current ? subscriptionView(current) : null, next: next ? subscriptionView(next) : null };
      },
      { detail: { summary: "The caller's current plan period", tags: ["Billing"] } },
    )
    .post(
      "/v1/billing/cancel",
      async ({ request }) => {
        const { key, billing } = await caller(request.headers);
        return subscriptionView(await guarded(() => cancelAtPeriodEnd(billing, key.userId, `key:${key.keyId}`)));
      },
      { detail: { summary: "Cancel the plan at the end of its period", tags: ["Billing"] } },
    );
}
