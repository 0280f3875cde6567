// Shared helpers for repositories that write several tables in one transaction.
import type { Db } from "./client.ts";
import { auditLog, ledger, ledgerEvents, users } from "./schema.ts";
import { eq, sql } from "drizzle-orm";

/** A drizzle transaction; also accepted wherever a plain Db is (both build queries alike). */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type Q = Db | Tx;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

/** bigint and Date are not JSON: audit rows keep them as exact strings. */
export function toJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === "object") {
    const out: { [k: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v);
    return out;
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return String(value);
}

export async function writeAudit(
  q: Q,
  entry: { actor: string; action: string; target: string | null; before?: unknown; after?: unknown },
): Promise<void> {
  await q.insert(auditLog).values({
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    before: entry.before === undefined ? null : toJson(entry.before),
    after: entry.after === undefined ? null : toJson(entry.after),
  });
}

/**
 * Claims a ledger event id; false when it was claimed before. The caller writes the ledger row
 * in the same transaction, so the claim and the row commit or roll back together.
 */
export async function claimLedgerEvent(tx: Q, eventId: string): Promise<boolean> {
  const claimed = await tx.insert(ledgerEvents).values({ eventId }).onConflictDoNothing().returning({ eventId: ledgerEvents.eventId });
  return claimed.length > 0;
}

export type CreditKind = "adjustment" | "topup" | "refund" | "plan_credit";

/**
 * One ledger row and the matching balance change, inside the caller's transaction. Returns
 * false when the event id was already recorded, so callers apply the hot-store delta only for
 * rows that were really written.
 */
export async function creditInTx(
  tx: Q,
  input: { eventId: string; kind: CreditKind; userId: string; amountMicro: bigint; reason: string; meta?: Record<string, string | number | boolean | null> },
): Promise<boolean> {
  if (!(await claimLedgerEvent(tx, input.eventId))) return false;
  await tx
    .insert(ledger)
    .values({ eventId: input.eventId, kind: input.kind, userId: input.userId, amountMicro: input.amountMicro, reason: input.reason, meta: input.meta ?? null });
  if (input.amountMicro !== 0n) {
    await tx.update(users).set({ balanceMicro: sql`${users.balanceMicro} + ${input.amountMicro}` }).where(eq(users.id, input.userId));
  }
  return true;
}
