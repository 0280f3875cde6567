// Orders, refunds and the documents they produce; also a manual run of the billing job.
import { Elysia, t } from "elysia";
import { getInvoice, invoiceView, listInvoices } from "../../db/invoices.ts";
import { getOrder, listOrders, orderView } from "../../db/orders.ts";
import { runBillingJobs } from "../../src/payments/jobs.ts";
import { refundOrder, refundView } from "../../src/payments/refunds.ts";
import { renderInvoiceHtml } from "../invoice-html.ts";
import { actorOf, AdminError, billingOf, parseCredits, viaBilling, type AdminDeps } from "../context.ts";

export function paymentRoutes(deps: AdminDeps) {
  return new Elysia()
    .get(
      "/orders",
      async ({ query }) => ({ data: (await listOrders(deps.database, query.user_id, query.limit ?? 100)).map(orderView) }),
      {
        query: t.Object({ user_id: t.String(), limit: t.Optional(t.Integer({ minimum: 1, maximum: 500 })) }),
        detail: { summary: "A user's orders, newest first", tags: ["Payments"] },
      },
    )
    .get(
      "/orders/:id",
      async ({ params }) => {
        const o = await getOrder(deps.database.db, params.id);
        if (!o) throw new AdminError(404, `No order ${params.id}.`);
        return { ...orderView(o), user_id: o.userId, flag_reason: o.flagReason, provider_charge_id: o.providerChargeId, provider_payment_id: o.providerPaymentId };
      },
      { params: t.Object({ id: t.String() }), detail: { summary: "One order, with flags and provider ids", tags: ["Payments"] } },
    )
    .post(
      "/refunds",
      async ({ body, set, request }) => {
        const billing = billingOf(deps);
        const r = await viaBilling(() =>
          refundOrder(billing, {
            orderId: body.order_id,
            amountIdr: body.amount_idr,
            method: body.method ?? "balance",
            reason: body.reason,
            revokeMicro: body.revoke_credits !== undefined ? parseCredits("revoke_credits", body.revoke_credits, { min: 0n }) : 0n,
            idempotencyKey: body.idempotency_key,
            actor: actorOf(request),
          }),
        );
        set.status = r.created ? 201 : 200;
        return refundView(r.refund);
      },
      {
        body: t.Object({
          order_id: t.String({ minLength: 1 }),
          amount_idr: t.Integer({ minimum: 1 }),
          method: t.Optional(t.Union([t.Literal("balance"), t.Literal("provider")], { description: "balance: credits at IDR_PER_CREDIT (default); provider: cash back through Midtrans/Xendit" })),
          reason: t.String({ minLength: 1 }),
          revoke_credits: t.Optional(t.Union([t.Number({ minimum: 0 }), t.String()], { description: "provider refunds: credits to take back from the balance" })),
          idempotency_key: t.Optional(t.String({ minLength: 1 })),
        }),
        detail: { summary: "Refund a paid order (ledger entry + credit note)", tags: ["Payments"] },
      },
    )
    .get(
      "/invoices",
      async ({ query }) => ({ data: (await listInvoices(deps.database, query.user_id)).map(invoiceView) }),
      { query: t.Object({ user_id: t.String() }), detail: { summary: "A user's invoices, receipts and credit notes", tags: ["Payments"] } },
    )
    .get(
      "/invoices/:number",
      async ({ params, query, request, set }) => {
        const inv = await getInvoice(deps.database, params.number);
        if (!inv) throw new AdminError(404, `No document ${params.number}.`);
        const wantsHtml = query.format === "html" || (query.format === undefined && /text\/html/.test(request.headers.get("accept") ?? ""));
        if (!wantsHtml) return invoiceView(inv);
        set.headers["content-type"] = "text/html; charset=utf-8";
        return renderInvoiceHtml(inv);
      },
      {
        params: t.Object({ number: t.String() }),
        query: t.Object({ format: t.Optional(t.Union([t.Literal("json"), t.Literal("html")])) }),
        detail: { summary: "An invoice, receipt or credit note as JSON, or printable HTML (?format=html or Accept: text/html)", tags: ["Payments"] },
      },
    )
    .post("/billing/run", async () => runBillingJobs(billingOf(deps)), {
      detail: { summary: "Run the billing job now (period ends, renewals, stale orders)", tags: ["Payments"] },
    });
}
