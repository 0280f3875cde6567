// Orders and payments, refunds, and the invoices / receipts / credit notes they produced.
import { Elysia } from "elysia";
import { randomUUID } from "node:crypto";
import { rupiah, when } from "../kit/format.ts";
import { html, type Html } from "../kit/html.ts";
import { documentResponse, field, redirect } from "../kit/http.ts";
import { badge, csrfInput, selectField, textField, type Flash } from "../kit/layout.ts";
import { FORM, HIDDEN } from "../kit/routes.ts";
import { seg } from "./api.ts";
import { PageError, PREFIX, savedFlash, type AdminConsole, type Operator } from "./core.ts";
import { recentDocuments, recentOrders, type OrderFilter } from "./queries.ts";
import type { InvoiceJson, OrderDetailJson, OrderJson } from "./types.ts";

const FILTERS: OrderFilter[] = ["all", "pending", "paid", "flagged", "refunded"];
const DOC_KIND: Record<string, string> = { invoice: "Invoice", receipt: "Receipt", credit_note: "Credit note" };

function statusBadge(o: OrderJson): Html {
  if (o.flagged) return badge("flagged", "bad");
  return badge(o.status, o.status === "paid" ? "ok" : o.status === "pending" ? "warn" : "");
}

export function ordersTable(orders: (OrderJson & { user_id: string })[], caption: string): Html {
  return html`<div class="table-wrap"><table id="orders">
<caption>${caption}</caption>
<thead><tr><th scope="col">Order</th><th scope="col">User</th><th scope="col">What</th><th scope="col" class="n">Amount</th><th scope="col">Status</th><th scope="col" class="n">Refunded</th><th scope="col">Provider</th><th scope="col">Created</th></tr></thead>
<tbody>${
    orders.length
      ? orders.map(
          (o) =>
            html`<tr><td class="mono small"><a href="${PREFIX}/orders/${seg(o.id)}">${o.id}</a></td><td class="mono small"><a href="${PREFIX}/users/${seg(o.user_id)}">${o.user_id}</a></td><td>${o.kind}${o.plan_id ? ` · ${o.plan_id}` : ""}${o.pack_id ? ` · ${o.pack_id}` : ""}</td><td class="n">${rupiah(o.amount_idr)}</td><td>${statusBadge(o)}</td><td class="n">${o.refunded_idr ? rupiah(o.refunded_idr) : ""}</td><td>${o.provider}</td><td>${when(o.created_at)}</td></tr>`,
        )
      : html`<tr><td colspan="8" class="muted">No orders.</td></tr>`
  }</tbody></table></div>`;
}

export function documentsTable(docs: InvoiceJson[]): Html {
  return html`<div class="table-wrap"><table id="documents">
<caption>Invoices, receipts and credit notes</caption>
<thead><tr><th scope="col">Number</th><th scope="col">Document</th><th scope="col">User</th><th scope="col">Status</th><th scope="col" class="n">Total</th><th scope="col" class="n">PPN</th><th scope="col">Refers to</th><th scope="col">Issued</th></tr></thead>
<tbody>${
    docs.length
      ? docs.map(
          (d) =>
            html`<tr><td class="mono"><a href="${PREFIX}/invoices/${seg(d.number)}">${d.number}</a></td><td>${DOC_KIND[d.kind] ?? d.kind}</td><td class="mono small"><a href="${PREFIX}/users/${seg(d.user_id)}">${d.user_id}</a></td><td>${d.status}</td><td class="n">${rupiah(d.total_idr)}</td><td class="n">${rupiah(d.tax_idr)}</td><td class="mono">${d.refers_to ?? ""}</td><td>${when(d.issued_at)}</td></tr>`,
        )
      : html`<tr><td colspan="8" class="muted">No documents.</td></tr>`
  }</tbody></table></div>`;
}

export function orderPages(c: AdminConsole) {
  const list = async (op: Operator) => {
    const asked = op.url.searchParams.get("status") ?? "all";
    const filter: OrderFilter = FILTERS.includes(asked as OrderFilter) ? (asked as OrderFilter) : "all";
    const orders = await recentOrders(c.deps.admin.database, filter, 200);
    const body = html`<h1>Orders and payments</h1>
<nav aria-label="Filter orders" class="row">${FILTERS.map(
      (f) => html`<a class="button ${f === filter ? "" : "secondary"} small" href="${PREFIX}/orders?status=${f}"${f === filter ? html` aria-current="true"` : ""}>${f}</a>`,
    )}</nav>
<p class="muted">Flagged orders were paid with a wrong amount or could not be applied; they credit nothing until someone decides. Refund from the order's page.</p>
${ordersTable(orders, `Latest orders (${filter})`)}`;
    return c.page(op, { title: "Orders", current: `${PREFIX}/orders`, body });
  };

  const detail = async (op: Operator, id: string, flash: Flash | null, status = 200) => {
    const o = await c.api.must<OrderDetailJson>(`/orders/${seg(id)}`, op.actor);
    const refundable = o.amount_idr - o.refunded_idr;
    const paid = ["paid", "partially_refunded"].includes(o.status) || (o.flagged && o.paid_at !== null);
    const body = html`<p><a href="${PREFIX}/orders">← Orders</a></p>
<h1>Order <span class="mono">${o.id}</span></h1>
<section class="panel"><dl class="facts">
<dt>User</dt><dd><a href="${PREFIX}/users/${seg(o.user_id)}">${o.user_id}</a></dd>
<dt>What</dt><dd>${o.kind}${o.plan_id ? ` · plan ${o.plan_id}` : ""}${o.pack_id ? ` · pack ${o.pack_id}` : ""}</dd>
<dt>Amount</dt><dd>${rupiah(o.amount_idr)}</dd>
<dt>Status</dt><dd>${statusBadge(o)}${o.flag_reason ? html` <span class="small">${o.flag_reason}</span>` : ""}</dd>
<dt>Refunded</dt><dd>${rupiah(o.refunded_idr)}</dd>
<dt>Provider</dt><dd>${o.provider}${o.provider_charge_id ? html` · charge <span class="mono">${o.provider_charge_id}</span>` : ""}${o.provider_payment_id ? html` · payment <span class="mono">${o.provider_payment_id}</span>` : ""}</dd>
<dt>Created</dt><dd>${when(o.created_at)}</dd><dt>Paid</dt><dd>${when(o.paid_at)}</dd>
${o.invoice_number ? html`<dt>Invoice</dt><dd><a href="${PREFIX}/invoices/${seg(o.invoice_number)}">${o.invoice_number}</a></dd>` : ""}
${o.receipt_number ? html`<dt>Receipt</dt><dd><a href="${PREFIX}/invoices/${seg(o.receipt_number)}">${o.receipt_number}</a></dd>` : ""}
</dl></section>
${
  paid && refundable > 0
    ? html`<section class="panel"><h2>Refund</h2>
<form class="stack" method="post" action="${PREFIX}/orders/${seg(o.id)}/refund" data-confirm="Refund this order?">${csrfInput(op.csrf)}
<input type="hidden" name="idempotency_key" value="${randomUUID()}">
${textField({ name: "amount_idr", label: "Amount (IDR)", value: String(refundable), inputmode: "numeric", hint: `At most ${rupiah(refundable)}.`, required: true })}
${selectField({ name: "method", id: "refund-method", label: "Refund to", options: [{ value: "balance", label: "Credit balance (credit note)" }, { value: "provider", label: "Payer, through the payment provider" }] })}
${textField({ name: "revoke_credits", label: "Credits to take back (provider refunds)", inputmode: "decimal", hint: "Optional." })}
${textField({ name: "reason", label: "Reason", required: true })}
<button type="submit" class="danger">Refund</button></form></section>`
    : ""
}`;
    return c.page(op, { title: `Order ${o.id}`, current: `${PREFIX}/orders`, body, flash, status });
  };

  return new Elysia()
    .get(`${PREFIX}/orders`, c.view(list), HIDDEN)
    .get(`${PREFIX}/orders/:id`, c.view(async (op, params) => detail(op, params.id ?? "", savedFlash(op.url))), HIDDEN)
    .post(
      `${PREFIX}/orders/:id/refund`,
      c.action(async (op, form, params) => {
        const id = params.id ?? "";
        const amount = field(form, "amount_idr");
        const r = await c.api.call<{ id: string; credit_note_number?: string | null }>("POST", "/refunds", op.actor, {
          order_id: id,
          amount_idr: /^\d+$/.test(amount) ? Number(amount) : amount,
          method: field(form, "method") || "balance",
          reason: field(form, "reason"),
          revoke_credits: field(form, "revoke_credits") || undefined,
          idempotency_key: field(form, "idempotency_key") || undefined,
        });
        if (!r.ok) return detail(op, id, { kind: "bad", text: r.message }, r.status);
        return redirect(`${PREFIX}/orders/${seg(id)}?saved=${encodeURIComponent(`refund ${r.data.id}`)}`);
      }),
      FORM,
    )
    .get(
      `${PREFIX}/invoices`,
      c.view(async (op) => {
        const docs = await recentDocuments(c.deps.admin.database, 200);
        return c.page(op, { title: "Invoices", current: `${PREFIX}/invoices`, body: html`<h1>Invoices and receipts</h1><p class="muted">Numbers are gapless per series (INV, RCT, CN). Open one to print it.</p>${documentsTable(docs)}` });
      }),
      HIDDEN,
    )
    .get(
      `${PREFIX}/invoices/:number`,
      c.view(async (op, params) => {
        const doc = await c.api.documentHtml(params.number ?? "", op.actor);
        if (doc.status !== 200) throw new PageError(doc.status, `No document ${params.number}.`);
        const bar = `<nav class="noprint"><p><a href="${PREFIX}/invoices">Back to invoices</a></p></nav><style>@media print{.noprint{display:none}}</style>`;
        return documentResponse(doc.body.replace("</body>", `${bar}</body>`));
      }),
      HIDDEN,
    );
}
