// Markup of the billing pages: the current plan, plan and pack cards, orders, documents,
// and the QRIS checkout. Data comes in already loaded; nothing here reads or decides.
import type { OrderRow } from "../../db/orders.ts";
import type { InvoiceRow } from "../../db/invoices.ts";
import type { PackRow, PlanRow } from "../../db/plans.ts";
import type { SubscriptionRow } from "../../db/subscriptions.ts";
import { credits, periodLabel, rupiah, when } from "../kit/format.ts";
import { html, type Html } from "../kit/html.ts";
import { badge, csrfInput } from "../kit/layout.ts";
import { PREFIX } from "./core.ts";

const STATUS_LABELS: Record<string, string> = {
  pending: "Waiting for payment",
  paid: "Paid",
  expired: "Expired",
  canceled: "Canceled",
  failed: "Failed",
  partially_refunded: "Partly refunded",
  refunded: "Refunded",
};

export function orderStatusLabel(o: Pick<OrderRow, "status" | "flaggedAt">): string {
  if (o.flaggedAt) return "Under review";
  return STATUS_LABELS[o.status] ?? o.status;
}

function statusBadge(o: OrderRow): Html {
  const kind = o.flaggedAt ? "warn" : o.status === "paid" ? "ok" : o.status === "pending" ? "warn" : o.status === "failed" ? "bad" : "";
  return badge(orderStatusLabel(o), kind);
}

const DOC_KIND: Record<string, string> = { invoice: "Invoice", receipt: "Receipt", credit_note: "Credit note" };

export interface PlanState {
  current: SubscriptionRow | null;
  next: SubscriptionRow | null;
  trialUsed: boolean;
}

function planPeriod(p: PlanRow): string {
  return periodLabel({ period_months: p.periodMonths, period_days: p.periodDays });
}

export function currentPlanPanel(state: PlanState, plans: PlanRow[], balance: bigint, csrf: string): Html {
  const nameOf = (id: string) => plans.find((p) => p.id === id)?.name ?? id;
  const c = state.current;
  const plan = c
    ? html`<p><strong class="amount">${nameOf(c.planId)}</strong> ${badge(c.cancelAtPeriodEnd ? "ends at period end" : "active", c.cancelAtPeriodEnd ? "warn" : "ok")}${c.isTrial ? html` ${badge("trial")}` : ""}</p>
<dl class="facts"><dt>Period</dt><dd>${when(c.periodStart)} – ${when(c.periodEnd)}</dd>
${c.isTrial ? "" : html`<dt>Paid</dt><dd>${rupiah(c.paidIdr)}</dd>`}
${state.next ? html`<dt>Next period</dt><dd>${nameOf(state.next.planId)}, paid ahead, starts ${when(state.next.periodStart)}</dd>` : ""}
</dl>
${
  !c.isTrial && !c.cancelAtPeriodEnd
    ? html`<form method="post" action="${PREFIX}/billing/cancel" data-confirm="Cancel your plan? It stays active until ${when(c.periodEnd)}, then ends.">${csrfInput(csrf)}<button type="submit" class="danger small">Cancel plan</button></form>`
    : ""
}`
    : html`<p><strong class="amount">No plan</strong></p><p class="muted">Requests use the default limits and your credit balance. Pick a plan below.</p>`;
  return html`<div class="stats">
<div class="stat"><div class="label">Balance</div><div class="value" data-balance>${credits(balance)} credits</div></div>
</div>
<section class="panel" aria-labelledby="plan-title"><h2 id="plan-title">Current plan</h2>${plan}</section>`;
}

/** What buying this plan would do, as the checkout will treat it. */
function planAction(p: PlanRow, state: PlanState): { label: string; confirm?: string; disabled?: string } {
  const c = state.current;
  if (p.isTrial) return state.trialUsed || c ? { label: "Trial", disabled: state.trialUsed ? "Trial used" : "You have a plan" } : { label: "Start the free trial" };
  if (!c || c.isTrial) return { label: `Buy ${p.name}` };
  if (state.next) return { label: p.name, disabled: "Renewal already paid" };
  if (c.planId === p.id) return { label: `Renew ${p.name}`, confirm: `Pay ${rupiah(p.priceIdr)} now for the next period of ${p.name}?` };
  if (p.priceIdr > c.paidIdr) return { label: `Upgrade to ${p.name}` };
  return {
    label: `Switch to ${p.name}`,
    confirm: `Switch to ${p.name} now? The unused part of your current plan is refunded to your balance as credits, and its included credits for the rest of the period above ${p.name}'s go back.`,
  };
}

export function planCards(plans: PlanRow[], state: PlanState, csrf: string): Html {
  const shown = plans.filter((p) => p.status === "active" && (!p.isTrial || !state.trialUsed));
  return html`<h2 id="plans-title">Plans</h2>
<p class="muted">Prices include PPN. Paid with QRIS: any Indonesian bank or e-wallet app. A plan's credits are added to your balance when it starts.</p>
<div class="grid" role="list" aria-labelledby="plans-title">${shown.map((p) => {
    const a = planAction(p, state);
    const current = state.current?.planId === p.id;
    return html`<article class="card${current ? " current" : ""}" role="listitem" aria-labelledby="plan-${p.id}">
<h3 id="plan-${p.id}">${p.name}${current ? html` ${badge("current", "ok")}` : ""}</h3>
<div class="price">${p.priceIdr === 0 ? "Free" : rupiah(p.priceIdr)} <span class="muted small">/ ${planPeriod(p)}</span></div>
<ul>
<li>${credits(p.includedMicro)} credits included</li>
<li>${p.rpm === 0 ? "Unlimited" : p.rpm} requests / minute</li>
<li>${p.concurrency === 0 ? "Unlimited" : p.concurrency} concurrent requests</li>
<li>${p.spendCapMicro === 0n ? "No spend cap" : html`${credits(p.spendCapMicro)} credits per ${Math.round(p.spendWindowSeconds / 3600)} h`}</li>
</ul>
<form method="post" action="${PREFIX}/billing/checkout"${a.confirm ? html` data-confirm="${a.confirm}"` : ""}>${csrfInput(csrf)}<input type="hidden" name="plan_id" value="${p.id}">
<button type="submit"${a.disabled ? html` disabled` : ""}${current ? html` class="secondary"` : ""}>${a.disabled ?? a.label}</button></form>
</article>`;
  })}</div>`;
}

export function packCards(packs: PackRow[], csrf: string): Html {
  const shown = packs.filter((p) => p.status === "active");
  if (!shown.length) return html``;
  return html`<h2 id="packs-title">Credit packs</h2>
<p class="muted">Top up your balance once; credits do not expire with a plan.</p>
<div class="grid" role="list" aria-labelledby="packs-title">${shown.map(
    (p) => html`<article class="card" role="listitem" aria-labelledby="pack-${p.id}">
<h3 id="pack-${p.id}">${credits(p.creditsMicro)} credits</h3>
<div class="price">${rupiah(p.priceIdr)}</div>
<form method="post" action="${PREFIX}/billing/checkout">${csrfInput(csrf)}<input type="hidden" name="pack_id" value="${p.id}"><button type="submit">Buy ${credits(p.creditsMicro)} credits</button></form>
</article>`,
  )}</div>`;
}

export function ordersTable(orders: OrderRow[]): Html {
  if (!orders.length) return html``;
  return html`<div class="table-wrap"><table>
<caption>Orders</caption>
<thead><tr><th scope="col">Order</th><th scope="col">What</th><th scope="col" class="n">Amount</th><th scope="col">Status</th><th scope="col">Created</th></tr></thead>
<tbody>${orders.map(
    (o) => html`<tr><td class="mono"><a href="${PREFIX}/billing/orders/${o.id}">${o.id}</a></td><td>${o.kind}${o.planId ? ` · ${o.planId}` : ""}${o.packId ? ` · ${o.packId}` : ""}</td><td class="n">${rupiah(o.amountIdr)}</td><td>${statusBadge(o)}</td><td>${when(o.createdAt)}</td></tr>`,
  )}</tbody></table></div>`;
}

export function documentsTable(docs: InvoiceRow[]): Html {
  return html`<div class="table-wrap"><table>
<caption>Invoices and receipts</caption>
<thead><tr><th scope="col">Number</th><th scope="col">Document</th><th scope="col">Status</th><th scope="col" class="n">Total</th><th scope="col" class="n">PPN</th><th scope="col">Issued</th></tr></thead>
<tbody>${
    docs.length
      ? docs.map(
          (d) => html`<tr><td class="mono"><a href="${PREFIX}/billing/invoices/${d.number}">${d.number}</a></td><td>${DOC_KIND[d.kind] ?? d.kind}</td><td>${d.status}</td><td class="n">${rupiah(d.totalIdr)}</td><td class="n">${rupiah(d.taxIdr)}</td><td>${when(d.issuedAt)}</td></tr>`,
        )
      : html`<tr><td colspan="6" class="muted">No documents yet. Each payment issues an invoice and a receipt.</td></tr>`
  }</tbody></table></div>`;
}

export function orderPage(o: OrderRow, what: string, qrImage: string | null): Html {
  const facts = html`<dl class="facts">
<dt>Order</dt><dd class="mono" data-order-id="${o.id}">${o.id}</dd>
<dt>For</dt><dd>${what}</dd>
<dt>Amount</dt><dd>${rupiah(o.amountIdr)} <span class="muted small">(PPN included)</span></dd>
<dt>Status</dt><dd><span data-order-status>${orderStatusLabel(o)}</span></dd>
${o.invoiceNumber ? html`<dt>Invoice</dt><dd><a href="${PREFIX}/billing/invoices/${o.invoiceNumber}">${o.invoiceNumber}</a></dd>` : ""}
${o.receiptNumber ? html`<dt>Receipt</dt><dd><a href="${PREFIX}/billing/invoices/${o.receiptNumber}">${o.receiptNumber}</a></dd>` : ""}
</dl>`;
  if (o.status !== "pending" || o.flaggedAt) {
    const outcome =
      o.status === "paid" || o.status === "partially_refunded" || o.status === "refunded"
        ? html`<div class="alert ok" role="status">Payment received. ${o.kind === "pack" ? "The credits are on your balance." : "Your plan is active."}</div>`
        : o.flaggedAt
          ? html`<div class="alert info" role="status">This payment needs a look from our team; we will contact you. Nothing more to do here.</div>`
          : html`<div class="alert info" role="status">This QRIS code is no longer payable. Start a new checkout from the billing page if you still want it.</div>`;
    return html`<h1>Order ${o.id}</h1>${outcome}<section class="panel">${facts}</section><p><a class="button secondary" href="${PREFIX}/billing">Back to billing</a></p>`;
  }
  return html`<h1>Pay with QRIS</h1>
<div class="checkout" data-order-poll="${PREFIX}/billing/orders/${o.id}/status" data-status="${o.status}">
<div class="qr">${qrImage ? html`<img src="${qrImage}" width="320" height="320" alt="QRIS code for ${rupiah(o.amountIdr)}, order ${o.id}">` : html`<p>The QR image is not available here; please start a new checkout.</p>`}</div>
<section class="panel">
<p class="amount">${rupiah(o.amountIdr)}</p>
<p>Scan the code with any Indonesian bank or e-wallet app (GoPay, OVO, DANA, ShopeePay, mobile banking) and confirm the payment.</p>
<p>${o.expiresAt ? html`Pay before <strong>${when(o.expiresAt)}</strong> <span class="badge warn" data-expires-at="${o.expiresAt.toISOString()}"></span>` : ""}</p>
${facts}
<p class="muted small">This page updates by itself once the payment is confirmed, usually within a minute.</p>
<p class="row"><a class="button secondary" href="${PREFIX}/billing/orders/${o.id}">Check status</a> <a href="${PREFIX}/billing">Back to billing</a></p>
</section>
</div>`;
}
