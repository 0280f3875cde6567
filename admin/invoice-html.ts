// A printable invoice / receipt / credit note: plain HTML with its own print styles, amounts
// in rupiah with Indonesian digit grouping, dates in WIB (payments.md 4).
import type { InvoiceRow } from "../db/invoices.ts";
import { formatWib } from "../src/payments/period.ts";

const TITLES: Record<string, string> = { invoice: "Invoice", receipt: "Receipt", credit_note: "Credit note" };

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Rp 1.234.567 — integer rupiah, dots between thousands as written in Indonesia. */
export function rupiah(n: number): string {
  const sign = n < 0 ? "-" : "";
  return `${sign}Rp ${Math.abs(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".")}`;
}

export function renderInvoiceHtml(inv: InvoiceRow, seller = "Sluice"): string {
  const title = TITLES[inv.kind] ?? "Document";
  const rows = inv.lines
    .map(
      (l) =>
        `<tr><td>${esc(l.description)}</td><td class="n">${l.quantity}</td><td class="n">${rupiah(l.unit_price_idr)}</td><td class="n">${rupiah(l.net_idr)}</td><td class="n">${rupiah(l.tax_idr)}</td><td class="n">${rupiah(l.amount_idr)}</td></tr>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} ${esc(inv.number)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:52rem;color:#111}
h1{font-size:1.5rem;margin:0 0 .25rem}table{width:100%;border-collapse:collapse;margin:1.5rem 0}
th,td{padding:.4rem .5rem;border-bottom:1px solid #ddd;text-align:left}.n{text-align:right;white-space:nowrap}
tfoot td{border:none}.total td{font-weight:700;border-top:2px solid #111}.meta{color:#555}
@media print{body{margin:0}}
</style></head><body>
<h1>${esc(title)} ${esc(inv.number)}</h1>
<div class="meta">${esc(seller)} · issued ${esc(formatWib(inv.issuedAt))}${inv.paidAt ? ` · paid ${esc(formatWib(inv.paidAt))}` : ""} · status ${esc(inv.status)}</div>
<div class="meta">Customer ${esc(inv.userId)}${inv.orderId ? ` · order ${esc(inv.orderId)}` : ""}${inv.refersTo ? ` · refers to ${esc(inv.refersTo)}` : ""}</div>
<table>
<thead><tr><th>Item</th><th class="n">Qty</th><th class="n">Unit price</th><th class="n">DPP</th><th class="n">PPN</th><th class="n">Amount</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot>
<tr><td colspan="5" class="n">Subtotal (DPP)</td><td class="n">${rupiah(inv.subtotalIdr)}</td></tr>
<tr><td colspan="5" class="n">PPN ${inv.taxRateBps / 100}% (included)</td><td class="n">${rupiah(inv.taxIdr)}</td></tr>
<tr class="total"><td colspan="5" class="n">Total</td><td class="n">${rupiah(inv.totalIdr)}</td></tr>
</tfoot>
</table>
<p class="meta">Prices include PPN. Amounts in Indonesian rupiah (IDR).</p>
</body></html>
`;
}
