// Billing: current plan and balance, plan and pack cards, QRIS checkout with a page that
// follows the order until it is paid, cancellation, and the printable documents. Every
// decision is the billing API's own code: checkout(), cancelAtPeriodEnd(), refreshPendingOrder().
import { Elysia } from "elysia";
import { getInvoice, listInvoices } from "../../db/invoices.ts";
import { getOrder, listOrders, type OrderRow } from "../../db/orders.ts";
import { getPack, getPlan, listPacks, listPlans } from "../../db/plans.ts";
import { activeSubscription, scheduledSubscription, trialUsed } from "../../db/subscriptions.ts";
import { checkout } from "../../src/payments/checkout.ts";
import { BillingError } from "../../src/payments/deps.ts";
import { refreshPendingOrder } from "../../src/payments/jobs.ts";
import { cancelAtPeriodEnd } from "../../src/payments/plan-change.ts";
import { qrPngDataUrl } from "../../src/payments/qr.ts";
import { renderInvoiceHtml } from "../../admin/invoice-html.ts";
import { credits, rupiah } from "../kit/format.ts";
import { html } from "../kit/html.ts";
import { documentResponse, field, jsonResponse, redirect } from "../kit/http.ts";
import type { Flash } from "../kit/layout.ts";
import { FORM, HIDDEN } from "../kit/routes.ts";
import { assetUrl } from "../kit/assets.ts";
import { currentPlanPanel, documentsTable, orderPage, ordersTable, orderStatusLabel, packCards, planCards } from "./billing-views.ts";
import { actorOf, PageError, PREFIX, type Dashboard, type Signed } from "./core.ts";

/** The same pace as GET /v1/billing/orders/:id: ask the provider at most every 5 s per order. */
const POLL_GAP_MS = 5_000;

function doneFlash(q: URLSearchParams): Flash | null {
  switch (q.get("done")) {
    case "trial":
      return { kind: "ok", text: "Your 7-day trial has started." };
    case "downgrade": {
      const refund = Number(q.get("refund") ?? "0");
      const returned = Number(q.get("returned") ?? "0");
      const refunded = Number.isSafeInteger(refund) && refund > 0 ? ` ${rupiah(refund)} was refunded to your balance as credits; a credit note is below.` : "";
      const taken = Number.isSafeInteger(returned) && returned > 0 ? ` The old plan's included credits for the rest of the period (${credits(returned)}) went back with it.` : "";
      return { kind: "ok", text: `Plan switched.${refunded}${taken}` };
    }
    case "cancel":
      return { kind: "ok", text: "Your plan is canceled: it stays active until the end of the period." };
    default:
      return null;
  }
}

export function billingPages(d: Dashboard) {
  const render = async (ctx: Signed, flash: Flash | null, status = 200) => {
    const { database, store } = ctx.billing;
    const userId = ctx.user.id;
    const [plans, packs, current, next, used, orders, docs, hot] = await Promise.all([
      listPlans(database),
      listPacks(database),
      activeSubscription(database.db, userId),
      scheduledSubscription(database.db, userId),
      trialUsed(database.db, userId),
      listOrders(database, userId, 10),
      listInvoices(database, userId, 50),
      store.getBalance(userId),
    ]);
    const state = { current, next, trialUsed: used };
    const body = html`<h1>Billing</h1>
${currentPlanPanel(state, plans, hot ?? ctx.user.balanceMicro, ctx.csrf)}
${planCards(plans, state, ctx.csrf)}
${packCards(packs, ctx.csrf)}
<h2>History</h2>
${ordersTable(orders.filter((o) => o.kind !== "trial"))}
${documentsTable(docs)}`;
    return d.page(ctx, { title: "Billing", current: `${PREFIX}/billing`, body, flash, status });
  };

  const ownOrder = async (ctx: Signed, id: string): Promise<OrderRow> => {
    const o = await getOrder(ctx.billing.database.db, id);
    if (!o || o.userId !== ctx.user.id) throw new PageError(404, "No such order.");
    return o;
  };

  /** Late notifications happen; a page that is watching asks the provider itself now and then. */
  const fresh = async (ctx: Signed, o: OrderRow): Promise<OrderRow> => {
    const now = Date.now();
    if (o.status !== "pending" || now - o.createdAt.getTime() <= POLL_GAP_MS) return o;
    if (o.lastPolledAt && now - o.lastPolledAt.getTime() <= POLL_GAP_MS) return o;
    await refreshPendingOrder(ctx.billing, o, new Date(now));
    return (await getOrder(ctx.billing.database.db, o.id)) ?? o;
  };

  const describe = async (ctx: Signed, o: OrderRow): Promise<string> => {
    if (o.planId) {
      const name = (await getPlan(ctx.billing.database.db, o.planId))?.name ?? o.planId;
      return o.kind === "renewal" ? `${name} plan, next period` : o.kind === "upgrade" ? `Upgrade to ${name}, prorated` : `${name} plan`;
    }
    if (o.packId) {
      const pack = await getPack(ctx.billing.database.db, o.packId);
      return pack ? `${credits(pack.creditsMicro)} credits` : `Credit pack ${o.packId}`;
    }
    return o.kind;
  };

  return new Elysia()
    .get(`${PREFIX}/billing`, d.view(async (ctx) => render(ctx, doneFlash(ctx.url.searchParams))), HIDDEN)
    .post(
      `${PREFIX}/billing/checkout`,
      d.action(async (ctx, form) => {
        const planId = field(form, "plan_id") || undefined;
        const packId = field(form, "pack_id") || undefined;
        try {
          const r = await checkout(ctx.billing, ctx.user.id, { planId, packId });
          if (r.kind === "trial") return redirect(`${PREFIX}/billing?done=trial`);
          if (r.kind === "downgrade") return redirect(`${PREFIX}/billing?done=downgrade&refund=${r.refund_idr ?? 0}&returned=${r.credits_returned_micro ?? 0}`);
          return redirect(`${PREFIX}/billing/orders/${encodeURIComponent(r.order_id)}`);
        } catch (err) {
          if (err instanceof BillingError) return render(ctx, { kind: "bad", text: err.message }, err.status);
          throw err;
        }
      }),
      FORM,
    )
    .post(
      `${PREFIX}/billing/cancel`,
      d.action(async (ctx) => {
        try {
          await cancelAtPeriodEnd(ctx.billing, ctx.user.id, actorOf(ctx));
          return redirect(`${PREFIX}/billing?done=cancel`);
        } catch (err) {
          if (err instanceof BillingError) return render(ctx, { kind: "bad", text: err.message }, err.status);
          throw err;
        }
      }),
      FORM,
    )
    .get(
      `${PREFIX}/billing/orders/:id`,
      d.view(async (ctx, params) => {
        const o = await fresh(ctx, await ownOrder(ctx, params.id ?? ""));
        const what = await describe(ctx, o);
        const qr = o.status === "pending" && o.qrString ? await qrPngDataUrl(o.qrString) : null;
        return d.page(ctx, { title: o.status === "pending" ? "Pay with QRIS" : `Order ${o.id}`, current: `${PREFIX}/billing`, body: orderPage(o, what, qr) });
      }),
      HIDDEN,
    )
    .get(
      `${PREFIX}/billing/orders/:id/status`,
      d.view(async (ctx, params) => {
        const o = await fresh(ctx, await ownOrder(ctx, params.id ?? ""));
        return jsonResponse({ id: o.id, status: o.flaggedAt ? "flagged" : o.status, status_label: orderStatusLabel(o), paid_at: o.paidAt?.toISOString() ?? null, receipt_number: o.receiptNumber });
      }),
      HIDDEN,
    )
    .get(
      `${PREFIX}/billing/invoices/:number`,
      d.view(async (ctx, params) => {
        const inv = await getInvoice(ctx.billing.database, params.number ?? "");
        if (!inv || inv.userId !== ctx.user.id) throw new PageError(404, "No such document.");
        // The invoice renderer is the admin API's; a bar to print or go back is added around it.
        const bar = html`<nav class="noprint" aria-label="Document"><p><a href="${PREFIX}/billing">Back to billing</a> · <button type="button" data-print hidden data-js>Print or save as PDF</button></p></nav>
<style>@media print{.noprint{display:none}}</style>
<script src="${assetUrl(PREFIX, "console.js")}" defer></script>`;
        const doc = renderInvoiceHtml(inv).replace("</body>", `${bar.value}</body>`);
        return documentResponse(doc);
      }),
      HIDDEN,
    );
}
