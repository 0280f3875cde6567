// Drizzle table definitions mirroring db/migrations (the SQL files are the source of the
// schema; these give typed queries).
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const meta = pgTable("meta", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

export const users = pgTable("users", {
  id: text("id").primaryKey(),
  email: text("email").unique(),
  name: text("name"),
  balanceMicro: bigint("balance_micro", { mode: "bigint" }).notNull().default(0n),
  planId: text("plan_id"),
  planStatus: text("plan_status"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const apiKeys = pgTable("api_keys", {
  id: text("id").primaryKey(),
  userId: text("user_id").notNull(),
  hash: text("hash").notNull().unique(),
  prefix: text("prefix").notNull(),
  name: text("name"),
  status: text("status").notNull().default("active"),
  rpm: integer("rpm"),
  concurrency: integer("concurrency"),
  allowedModels: jsonb("allowed_models").$type<string[] | null>(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
});

export const providers = pgTable("providers", {
  id: text("id").primaryKey(),
  kind: text("kind").notNull(),
  baseUrl: text("base_url").notNull(),
  apiKeyEnc: text("api_key_enc"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const models = pgTable("models", {
  id: text("id").primaryKey(),
  displayName: text("display_name").notNull(),
  class: text("class").notNull(),
  contextWindow: integer("context_window").notNull(),
  maxOutput: integer("max_output").notNull(),
  inputPrice: bigint("input_price", { mode: "bigint" }).notNull(),
  outputPrice: bigint("output_price", { mode: "bigint" }).notNull(),
  cacheReadPrice: bigint("cache_read_price", { mode: "bigint" }).notNull(),
  cacheWritePrice: bigint("cache_write_price", { mode: "bigint" }).notNull(),
  flags: jsonb("flags").$type<string[]>().notNull(),
  status: text("status").notNull().default("active"),
  version: integer("version").notNull().default(1),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const deployments = pgTable(
  "deployments",
  {
    id: text("id").primaryKey(),
    modelId: text("model_id").notNull(),
    providerId: text("provider_id").notNull(),
    upstreamModel: text("upstream_model").notNull(),
    priority: integer("priority").notNull().default(0),
    weight: integer("weight").notNull().default(1),
  },
  (t) => [index("deployments_model_idx").on(t.modelId)],
);

// Partitioned by month of created_at (0005); the primary key is (id, created_at).
export const ledger = pgTable("ledger", {
  id: bigserial("id", { mode: "bigint" }).notNull(),
  /** Unique through ledger_events, not on this table (a partitioned table's unique keys need created_at). */
  eventId: text("event_id").notNull(),
  kind: text("kind").notNull(),
  userId: text("user_id").notNull(),
  keyId: text("key_id"),
  amountMicro: bigint("amount_micro", { mode: "bigint" }).notNull(),
  modelId: text("model_id"),
  inputTokens: integer("input_tokens").notNull().default(0),
  outputTokens: integer("output_tokens").notNull().default(0),
  cacheReadTokens: integer("cache_read_tokens").notNull().default(0),
  cacheWriteTokens: integer("cache_write_tokens").notNull().default(0),
  reasoningTokens: integer("reasoning_tokens").notNull().default(0),
  prices: jsonb("prices").$type<Record<string, string> | null>(),
  catalogVersion: integer("catalog_version"),
  estimated: boolean("estimated").notNull().default(false),
  status: text("status").notNull().default("ok"),
  reason: text("reason"),
  meta: jsonb("meta").$type<Record<string, unknown> | null>(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Every ledger event id, once: writers claim the id here in the same transaction as the row. */
export const ledgerEvents = pgTable("ledger_events", {
  eventId: text("event_id").primaryKey(),
});

export const auditLog = pgTable("audit_log", {
  id: bigserial("id", { mode: "bigint" }).primaryKey(),
  actor: text("actor").notNull(),
  action: text("action").notNull(),
  target: text("target"),
  before: jsonb("before"),
  after: jsonb("after"),
  at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
});

// ---- Billing (0002_billing.sql) ----

export const plans = pgTable("plans", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  priceIdr: bigint("price_idr", { mode: "number" }).notNull(),
  periodMonths: integer("period_months").notNull().default(0),
  periodDays: integer("period_days").notNull(),
  includedMicro: bigint("included_micro", { mode: "bigint" }).notNull().default(0n),
  rpm: integer("rpm").notNull().default(0),
  concurrency: integer("concurrency").notNull().default(0),
  spendCapMicro: bigint("spend_cap_micro", { mode: "bigint" }).notNull().default(0n),
  spendWindowSeconds: integer("spend_window_seconds").notNull().default(18000),
  isTrial: boolean("is_trial").notNull().default(false),
  status: text("status").notNull().default("active"),
  sort: integer("sort").notNull().default(0),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const creditPacks = pgTable("credit_packs", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  priceIdr: bigint("price_idr", { mode: "number" }).notNull(),
  creditsMicro: bigint("credits_micro", { mode: "bigint" }).notNull(),
  status: text("status").notNull().default("active"),
  sort: integer("sort").notNull().default(0),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const subscriptions = pgTable("subscriptions", {
  id: text("id").primaryKey(),
  userId: text("user_id").notNull(),
  planId: text("plan_id").notNull(),
  status: text("status").notNull(),
  isTrial: boolean("is_trial").notNull().default(false),
  anchorAt: timestamp("anchor_at", { withTimezone: true }).notNull(),
  cycle: integer("cycle").notNull().default(0),
  periodStart: timestamp("period_start", { withTimezone: true }).notNull(),
  periodEnd: timestamp("period_end", { withTimezone: true }).notNull(),
  paidIdr: bigint("paid_idr", { mode: "number" }).notNull().default(0),
  cancelAtPeriodEnd: boolean("cancel_at_period_end").notNull().default(false),
  orderId: text("order_id"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const orders = pgTable("orders", {
  id: text("id").primaryKey(),
  userId: text("user_id").notNull(),
  kind: text("kind").notNull(),
  planId: text("plan_id"),
  packId: text("pack_id"),
  subscriptionId: text("subscription_id"),
  amountIdr: bigint("amount_idr", { mode: "number" }).notNull(),
  currency: text("currency").notNull().default("IDR"),
  status: text("status").notNull().default("pending"),
  provider: text("provider").notNull(),
  providerChargeId: text("provider_charge_id").unique(),
  providerPaymentId: text("provider_payment_id").unique(),
  qrString: text("qr_string"),
  expiresAt: timestamp("expires_at", { withTimezone: true }),
  paidAt: timestamp("paid_at", { withTimezone: true }),
  flaggedAt: timestamp("flagged_at", { withTimezone: true }),
  flagReason: text("flag_reason"),
  refundedIdr: bigint("refunded_idr", { mode: "number" }).notNull().default(0),
  invoiceNumber: text("invoice_number"),
  receiptNumber: text("receipt_number"),
  details: jsonb("details").$type<Record<string, string | number | boolean | null> | null>(),
  lastPolledAt: timestamp("last_polled_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const webhookEvents = pgTable("webhook_events", {
  id: bigserial("id", { mode: "bigint" }).primaryKey(),
  provider: text("provider").notNull(),
  eventKey: text("event_key").notNull(),
  orderId: text("order_id"),
  outcome: text("outcome").notNull(),
  rawBody: text("raw_body"),
  receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
});

export const documentCounters = pgTable("document_counters", {
  series: text("series").primaryKey(),
  nextValue: bigint("next_value", { mode: "number" }).notNull(),
});

export interface InvoiceLine {
  description: string;
  quantity: number;
  unit_price_idr: number;
  /** Tax-inclusive line amount. */
  amount_idr: number;
  /** DPP: the amount net of PPN. */
  net_idr: number;
  tax_rate_bps: number;
  tax_idr: number;
}

export const invoices = pgTable("invoices", {
  number: text("number").primaryKey(),
  kind: text("kind").notNull(),
  userId: text("user_id").notNull(),
  orderId: text("order_id"),
  refundId: text("refund_id"),
  refersTo: text("refers_to"),
  status: text("status").notNull(),
  currency: text("currency").notNull().default("IDR"),
  subtotalIdr: bigint("subtotal_idr", { mode: "number" }).notNull(),
  taxIdr: bigint("tax_idr", { mode: "number" }).notNull(),
  totalIdr: bigint("total_idr", { mode: "number" }).notNull(),
  taxRateBps: integer("tax_rate_bps").notNull(),
  lines: jsonb("lines").$type<InvoiceLine[]>().notNull(),
  issuedAt: timestamp("issued_at", { withTimezone: true }).notNull().defaultNow(),
  paidAt: timestamp("paid_at", { withTimezone: true }),
});

export const refunds = pgTable("refunds", {
  id: text("id").primaryKey(),
  orderId: text("order_id").notNull(),
  userId: text("user_id").notNull(),
  amountIdr: bigint("amount_idr", { mode: "number" }).notNull(),
  method: text("method").notNull(),
  status: text("status").notNull(),
  reason: text("reason").notNull(),
  creditedMicro: bigint("credited_micro", { mode: "bigint" }).notNull().default(0n),
  providerRefundId: text("provider_refund_id"),
  creditNoteNumber: text("credit_note_number"),
  actor: text("actor").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const modelPriceHistory = pgTable("model_price_history", {
  id: bigserial("id", { mode: "bigint" }).primaryKey(),
  modelId: text("model_id").notNull(),
  version: integer("version").notNull(),
  inputPrice: bigint("input_price", { mode: "bigint" }).notNull(),
  outputPrice: bigint("output_price", { mode: "bigint" }).notNull(),
  cacheReadPrice: bigint("cache_read_price", { mode: "bigint" }).notNull(),
  cacheWritePrice: bigint("cache_write_price", { mode: "bigint" }).notNull(),
  flags: jsonb("flags").$type<string[]>().notNull(),
  status: text("status").notNull(),
  actor: text("actor").notNull(),
  changedAt: timestamp("changed_at", { withTimezone: true }).notNull().defaultNow(),
});
