// Lists the admin API only offers per user: the latest orders and documents of everyone,
// for the operator's overview pages. Read-only, rendered with the API's own views.
import { desc, eq, isNotNull } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { invoiceView } from "../../db/invoices.ts";
import { orderView } from "../../db/orders.ts";
import { invoices, orders } from "../../db/schema.ts";

export type OrderFilter = "all" | "pending" | "paid" | "flagged" | "refunded";

export async function recentOrders(database: Database, filter: OrderFilter, limit: number) {
  const q = database.db.select().from(orders);
  const where =
    filter === "flagged"
      ? isNotNull(orders.flaggedAt)
      : filter === "refunded"
        ? eq(orders.status, "refunded")
        : filter === "pending" || filter === "paid"
          ? eq(orders.status, filter)
          : undefined;
  const rows = await (where ? q.where(where) : q).orderBy(desc(orders.createdAt)).limit(limit);
  return rows.map((o) => ({ ...orderView(o), user_id: o.userId, flag_reason: o.flagReason }));
}

export async function recentDocuments(database: Database, limit: number) {
  const rows = await database.db.select().from(invoices).orderBy(desc(invoices.issuedAt), desc(invoices.number)).limit(limit);
  return rows.map(invoiceView);
}
