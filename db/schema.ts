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

export const ledger = pgTable("ledger", {
  id: bigserial("id", { mode: "bigint" }).primaryKey(),
  eventId: text("event_id").notNull().unique(),
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

export const auditLog = pgTable("audit_log", {
  id: bigserial("id", { mode: "bigint" }).primaryKey(),
  actor: text("actor").notNull(),
  action: text("action").notNull(),
  target: text("target"),
  before: jsonb("before"),
  after: jsonb("after"),
  at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
});
