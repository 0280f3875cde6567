// Users, keys and credit movements. Postgres is written first, then the hot store, so the
// two converge: a crash in between leaves Postgres ahead, and start-up sync catches up.
import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { apiKeys, auditLog, ledger, users } from "./schema.ts";
import type { HotStore, KeyRecord, Limits } from "../src/store/types.ts";
import { displayPrefix, generateApiKey, hashApiKey, KEY_INVALIDATION_CHANNEL } from "../src/store/keys.ts";
import { creditsToMicro } from "../src/metering/money.ts";

export interface DefaultLimits {
  rpm: number;
  concurrency: number;
  spendCapCredits: number;
  spendWindowSeconds: number;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, "").slice(0, 20)}`;
}

export async function createUser(
  database: Database,
  store: HotStore,
  input: { email?: string | null; name?: string | null; signupMicro: bigint; actor: string },
): Promise<string> {
  const id = newId("usr");
  await database.db.transaction(async (tx) => {
    await tx.insert(users).values({ id, email: input.email ?? null, name: input.name ?? null, balanceMicro: 0n });
    await tx.insert(auditLog).values({ actor: input.actor, action: "user.create", target: id, after: { email: input.email ?? null } });
    if (input.signupMicro > 0n) {
      await tx.insert(ledger).values({
        eventId: `signup:${id}`,
        kind: "adjustment",
        userId: id,
        amountMicro: input.signupMicro,
        reason: "signup credit",
      });
      await tx.update(users).set({ balanceMicro: input.signupMicro }).where(eq(users.id, id));
    }
  });
  await store.initBalance(id, input.signupMicro);
  return id;
}

export interface UserView {
  id: string;
  email: string | null;
  name: string | null;
  balanceMicro: bigint;
  planId: string | null;
  planStatus: string | null;
  createdAt: Date;
}

export async function getUser(database: Database, id: string): Promise<UserView | null> {
  const rows = await database.db.select().from(users).where(eq(users.id, id)).limit(1);
  return rows[0] ?? null;
}

function limitsFor(key: { rpm: number | null; concurrency: number | null }, defaults: DefaultLimits): Limits {
  // A key may only lower its user's limits: overrides never raise them.
  const lower = (planValue: number, override: number | null) =>
    override === null ? planValue : planValue === 0 ? override : Math.min(planValue, override);
  return {
    rpm: lower(defaults.rpm, key.rpm),
    concurrency: lower(defaults.concurrency, key.concurrency),
    spendCapMicro: creditsToMicro(defaults.spendCapCredits),
    spendWindowSeconds: defaults.spendWindowSeconds,
  };
}

function keyRecord(
  row: { id: string; userId: string; status: string; allowedModels: string[] | null; rpm: number | null; concurrency: number | null },
  defaults: DefaultLimits,
): KeyRecord {
  return {
    keyId: row.id,
    userId: row.userId,
    status: row.status === "active" ? "active" : "revoked",
    allowedModels: row.allowedModels ?? null,
    limits: limitsFor(row, defaults),
  };
}

export async function createKey(
  database: Database,
  store: HotStore,
  defaults: DefaultLimits,
  input: { userId: string; name?: string | null; rpm?: number | null; concurrency?: number | null; allowedModels?: string[] | null; actor: string },
): Promise<{ id: string; key: string; prefix: string }> {
  const key = generateApiKey();
  const hash = hashApiKey(key);
  const row = {
    id: newId("key"),
    userId: input.userId,
    hash,
    prefix: displayPrefix(key),
    name: input.name ?? null,
    status: "active",
    rpm: input.rpm ?? null,
    concurrency: input.concurrency ?? null,
    allowedModels: input.allowedModels ?? null,
  };
  await database.db.transaction(async (tx) => {
    await tx.insert(apiKeys).values(row);
    await tx.insert(auditLog).values({ actor: input.actor, action: "key.create", target: row.id, after: { userId: row.userId, prefix: row.prefix } });
  });
  await store.putKey(hash, keyRecord(row, defaults));
  return { id: row.id, key, prefix: row.prefix };
}

export async function revokeKey(database: Database, store: HotStore, keyId: string, actor: string): Promise<boolean> {
  const rows = await database.db
    .update(apiKeys)
    .set({ status: "revoked", revokedAt: new Date() })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.status, "active")))
    .returning({ hash: apiKeys.hash });
  const hash = rows[0]?.hash;
  if (!hash) return false;
  await database.db.insert(auditLog).values({ actor, action: "key.revoke", target: keyId, before: { status: "active" }, after: { status: "revoked" } });
  await store.deleteKey(hash);
  await store.publish(KEY_INVALIDATION_CHANNEL, hash);
  return true;
}

/**
 * Adds (or with a negative amount, removes) credits: one ledger row and the balance in one
 * transaction, then the hot balance. `eventId` makes a retried call a no-op.
 */
export async function adjustCredits(
  database: Database,
  store: HotStore,
  input: { userId: string; amountMicro: bigint; reason: string; kind?: "adjustment" | "topup" | "refund" | "plan_credit"; eventId?: string; actor: string },
): Promise<{ applied: boolean; balanceMicro: bigint }> {
  const eventId = input.eventId ?? newId("adj");
  const applied = await database.db.transaction(async (tx) => {
    const inserted = await tx
      .insert(ledger)
      .values({ eventId, kind: input.kind ?? "adjustment", userId: input.userId, amountMicro: input.amountMicro, reason: input.reason })
      .onConflictDoNothing({ target: ledger.eventId })
      .returning({ id: ledger.id });
    if (inserted.length === 0) return false;
    await tx
      .update(users)
      .set({ balanceMicro: sql`${users.balanceMicro} + ${input.amountMicro}` })
      .where(eq(users.id, input.userId));
    await tx.insert(auditLog).values({
      actor: input.actor,
      action: "credits.adjust",
      target: input.userId,
      after: { amountMicro: input.amountMicro.toString(), reason: input.reason, eventId },
    });
    return true;
  });
  const balanceMicro = applied
    ? await store.addBalance(input.userId, input.amountMicro)
    : ((await store.getBalance(input.userId)) ?? 0n);
  return { applied, balanceMicro };
}

/** Start-up: every active key and every balance into the hot store (idempotent). */
export async function syncHotStore(database: Database, store: HotStore, defaults: DefaultLimits): Promise<void> {
  const keys = await database.db.select().from(apiKeys).where(eq(apiKeys.status, "active"));
  for (const k of keys) await store.putKey(k.hash, keyRecord(k, defaults));
  const balances = await database.db.select({ id: users.id, balanceMicro: users.balanceMicro }).from(users);
  for (const u of balances) await store.initBalance(u.id, u.balanceMicro);
}
