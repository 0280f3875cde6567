// Users, keys and credit movements. Postgres is written first, then the hot store, so the
// two converge: a crash in between leaves Postgres ahead, and start-up sync catches up.
import { randomUUID } from "node:crypto";
import { and, eq, ilike, inArray, or, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { apiKeys, auditLog, plans, users } from "./schema.ts";
import { creditInTx, writeAudit, type Q } from "./tx.ts";
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
      await creditInTx(tx, { eventId: `signup:${id}`, kind: "adjustment", userId: id, amountMicro: input.signupMicro, reason: "signup credit" });
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

/** The limits a plan grants; every key of the user starts from these. */
export interface PlanLimits {
  rpm: number;
  concurrency: number;
  spendCapMicro: bigint;
  spendWindowSeconds: number;
}

/** The default plan: what users without an active plan get (DEFAULT_* in the environment). */
export function defaultPlanLimits(defaults: DefaultLimits): PlanLimits {
  return {
    rpm: defaults.rpm,
    concurrency: defaults.concurrency,
    spendCapMicro: creditsToMicro(defaults.spendCapCredits),
    spendWindowSeconds: defaults.spendWindowSeconds,
  };
}

/** Plan statuses under which the plan's limits apply ("canceled" runs to its period end). */
export const LIVE_PLAN_STATUSES = ["active", "canceled"];

function limitsFor(key: { rpm: number | null; concurrency: number | null }, plan: PlanLimits): Limits {
  // A key may only lower its user's limits: overrides never raise them. 0 means "no limit",
  // so an override of 0 would raise a limited plan to unlimited: it means "no override".
  const lower = (planValue: number, override: number | null) =>
    override === null || override === 0 ? planValue : planValue === 0 ? override : Math.min(planValue, override);
  return {
    rpm: lower(plan.rpm, key.rpm),
    concurrency: lower(plan.concurrency, key.concurrency),
    spendCapMicro: plan.spendCapMicro,
    spendWindowSeconds: plan.spendWindowSeconds,
  };
}

/** The limits of the user's live plan, or the default plan's. */
export async function userPlanLimits(q: Q, userId: string, defaults: DefaultLimits): Promise<PlanLimits> {
  const rows = await q
    .select({ rpm: plans.rpm, concurrency: plans.concurrency, spendCapMicro: plans.spendCapMicro, spendWindowSeconds: plans.spendWindowSeconds })
    .from(users)
    .innerJoin(plans, eq(plans.id, users.planId))
    .where(and(eq(users.id, userId), inArray(users.planStatus, LIVE_PLAN_STATUSES)))
    .limit(1);
  return rows[0] ?? defaultPlanLimits(defaults);
}

function keyRecord(
  row: { id: string; userId: string; status: string; allowedModels: string[] | null; rpm: number | null; concurrency: number | null },
  plan: PlanLimits,
): KeyRecord {
  return {
    keyId: row.id,
    userId: row.userId,
    status: row.status === "active" ? "active" : "revoked",
    allowedModels: row.allowedModels ?? null,
    limits: limitsFor(row, plan),
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
  await store.putKey(hash, keyRecord(row, await userPlanLimits(database.db, input.userId, defaults)));
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
    const kind = input.kind ?? "adjustment";
    if (!(await creditInTx(tx, { eventId, kind, userId: input.userId, amountMicro: input.amountMicro, reason: input.reason }))) return false;
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

/**
 * Start-up (and after a hot-store loss): every balance, then every active key, into the hot
 * store (idempotent). Balances first, so no key works before its balance is there.
 */
export async function syncHotStore(database: Database, store: HotStore, defaults: DefaultLimits): Promise<void> {
  const balances = await database.db.select({ id: users.id, balanceMicro: users.balanceMicro }).from(users);
  for (const u of balances) await store.initBalance(u.id, u.balanceMicro);
  const keys = await database.db.select().from(apiKeys).where(eq(apiKeys.status, "active"));
  const planOf = new Map<string, PlanLimits>();
  for (const k of keys) {
    let plan = planOf.get(k.userId);
    if (!plan) planOf.set(k.userId, (plan = await userPlanLimits(database.db, k.userId, defaults)));
    await store.putKey(k.hash, keyRecord(k, plan));
  }
}

/**
 * Re-puts every active key of a user with the limits of their plan as it is now, and evicts
 * the keys from every instance's auth cache, so a plan change applies to the next request
 * rather than after the cache TTL.
 */
export async function refreshUserKeys(database: Database, store: HotStore, userId: string, defaults: DefaultLimits): Promise<void> {
  const plan = await userPlanLimits(database.db, userId, defaults);
  const keys = await database.db.select().from(apiKeys).where(and(eq(apiKeys.userId, userId), eq(apiKeys.status, "active")));
  for (const k of keys) {
    await store.putKey(k.hash, keyRecord(k, plan));
    await store.publish(KEY_INVALIDATION_CHANNEL, k.hash);
  }
}

export interface KeyView {
  id: string;
  userId: string;
  prefix: string;
  name: string | null;
  status: string;
  rpm: number | null;
  concurrency: number | null;
  allowedModels: string[] | null;
  createdAt: Date;
  revokedAt: Date | null;
}

const keyColumns = {
  id: apiKeys.id,
  userId: apiKeys.userId,
  prefix: apiKeys.prefix,
  name: apiKeys.name,
  status: apiKeys.status,
  rpm: apiKeys.rpm,
  concurrency: apiKeys.concurrency,
  allowedModels: apiKeys.allowedModels,
  createdAt: apiKeys.createdAt,
  revokedAt: apiKeys.revokedAt,
};

export async function listKeys(database: Database, userId: string): Promise<KeyView[]> {
  return database.db.select(keyColumns).from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(apiKeys.createdAt);
}

export async function getKey(database: Database, keyId: string): Promise<KeyView | null> {
  return (await database.db.select(keyColumns).from(apiKeys).where(eq(apiKeys.id, keyId)).limit(1))[0] ?? null;
}

/** Per-key overrides (null clears one) and the model allowlist; applies at once everywhere. */
export async function updateKey(
  database: Database,
  store: HotStore,
  defaults: DefaultLimits,
  keyId: string,
  patch: { name?: string | null; rpm?: number | null; concurrency?: number | null; allowedModels?: string[] | null },
  actor: string,
): Promise<KeyView | null> {
  const updated = await database.db.transaction(async (tx) => {
    const before = (await tx.select().from(apiKeys).where(eq(apiKeys.id, keyId)).for("update").limit(1))[0];
    if (!before) return null;
    const rows = await tx.update(apiKeys).set(patch).where(eq(apiKeys.id, keyId)).returning();
    const after = rows[0]!;
    const pick = (k: typeof before) => ({ name: k.name, rpm: k.rpm, concurrency: k.concurrency, allowedModels: k.allowedModels });
    await writeAudit(tx, { actor, action: "key.update", target: keyId, before: pick(before), after: pick(after) });
    return after;
  });
  if (!updated) return null;
  if (updated.status === "active") {
    await store.putKey(updated.hash, keyRecord(updated, await userPlanLimits(database.db, updated.userId, defaults)));
    await store.publish(KEY_INVALIDATION_CHANNEL, updated.hash);
  }
  return getKey(database, keyId);
}

/** Users by id, email or name fragment, newest first. */
export async function listUsers(database: Database, opts: { search?: string; limit: number; offset: number }): Promise<UserView[]> {
  const q = database.db.select().from(users);
  const pattern = opts.search ? `%${opts.search.replace(/[\\%_]/g, (c) => "\\" + c)}%` : null;
  const filtered = pattern ? q.where(or(ilike(users.id, pattern), ilike(users.email, pattern), ilike(users.name, pattern))) : q;
  return filtered.orderBy(sql`${users.createdAt} desc`, users.id).limit(opts.limit).offset(opts.offset);
}
