// Invoices, receipts and credit notes. Each series is numbered without gaps: the counter row
// is bumped inside the transaction that inserts the document, so a rollback returns the
// number and concurrent issuers queue on the row lock. Amounts are tax-inclusive rupiah; each
// line records its DPP (net) and PPN, see splitTaxIncluded for the rounding.
import { and, desc, eq, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { documentCounters, invoices, type InvoiceLine } from "./schema.ts";
import type { Q } from "./tx.ts";
import { splitTaxIncluded } from "../src/payments/money.ts";

export type DocumentKind = "invoice" | "receipt" | "credit_note";
export type InvoiceRow = typeof invoices.$inferSelect;

const SERIES: Record<DocumentKind, string> = { invoice: "INV", receipt: "RCT", credit_note: "CN" };

async function nextNumber(tx: Q, series: string): Promise<string> {
  const rows = await tx
    .update(documentCounters)
    .set({ nextValue: sql`${documentCounters.nextValue} + 1` })
    .where(eq(documentCounters.series, series))
    .returning({ value: sql<string>`(${documentCounters.nextValue} - 1)::text` });
  const n = rows[0]?.value;
  if (n === undefined) throw new Error(`no document counter for series ${series}`);
  return `${series}-${n.padStart(6, "0")}`;
}

export interface LineInput {
  description: string;
  quantity: number;
  unitPriceIdr: number;
}

export function buildLines(lines: LineInput[], taxRateBps: number): InvoiceLine[] {
  return lines.map((l) => {
    const amount = l.unitPriceIdr * l.quantity;
    const { netIdr, taxIdr } = splitTaxIncluded(amount, taxRateBps);
    return { description: l.description, quantity: l.quantity, unit_price_idr: l.unitPriceIdr, amount_idr: amount, net_idr: netIdr, tax_rate_bps: taxRateBps, tax_idr: taxIdr };
  });
}

/** Issues one document inside the caller's transaction; totals are the sums of its lines. */
export async function issueDocument(
  tx: Q,
  input: {
    kind: DocumentKind;
    userId: string;
    orderId?: string | null;
    refundId?: string | null;
    refersTo?: string | null;
    status: "open" | "paid" | "issued";
    lines: LineInput[];
    taxRateBps: number;
    at: Date;
  },
): Promise<InvoiceRow> {
  const number = await nextNumber(tx, SERIES[input.kind]);
  const lines = buildLines(input.lines, input.taxRateBps);
  const rows = await tx
    .insert(invoices)
    .values({
      number,
      kind: input.kind,
      userId: input.userId,
      orderId: input.orderId ?? null,
      refundId: input.refundId ?? null,
      refersTo: input.refersTo ?? null,
      status: input.status,
      subtotalIdr: lines.reduce((s, l) => s + l.net_idr, 0),
      taxIdr: lines.reduce((s, l) => s + l.tax_idr, 0),
      totalIdr: lines.reduce((s, l) => s + l.amount_idr, 0),
      taxRateBps: input.taxRateBps,
      lines,
      issuedAt: input.at,
      paidAt: input.status === "paid" ? input.at : null,
    })
    .returning();
  return rows[0]!;
}

export async function setInvoiceStatus(tx: Q, number: string, status: "paid" | "void", at: Date): Promise<void> {
  await tx
    .update(invoices)
    .set(status === "paid" ? { status, paidAt: at } : { status })
    .where(and(eq(invoices.number, number), eq(invoices.status, "open")));
}

export async function getInvoice(database: Database, number: string): Promise<InvoiceRow | null> {
  return (await database.db.select().from(invoices).where(eq(invoices.number, number)).limit(1))[0] ?? null;
}

export async function listInvoices(database: Database, userId: string, limit = 100): Promise<InvoiceRow[]> {
  return database.db.select().from(invoices).where(eq(invoices.userId, userId)).orderBy(desc(invoices.issuedAt), desc(invoices.number)).limit(limit);
}

export function invoiceView(row: InvoiceRow) {
  return {
    number: row.number,
    kind: row.kind,
    status: row.status,
    user_id: row.userId,
    order_id: row.orderId,
    refund_id: row.refundId,
    refers_to: row.refersTo,
    currency: row.currency,
    lines: row.lines,
    subtotal_idr: row.subtotalIdr,
    tax_idr: row.taxIdr,
    tax_rate_bps: row.taxRateBps,
    tax_line: { label: `PPN ${row.taxRateBps / 100}% (included)`, rate_bps: row.taxRateBps, base_idr: row.subtotalIdr, amount_idr: row.taxIdr },
    total_idr: row.totalIdr,
    issued_at: row.issuedAt.toISOString(),
    paid_at: row.paidAt ? row.paidAt.toISOString() : null,
  };
}
