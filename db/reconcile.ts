// Rebuilds hot balances from Postgres plus the ledger entries the flusher has not written
// yet. Used after the hot store lost data (Redis restarted empty, or restored from an old
// snapshot) and by operators through the admin API. Requests settling while it runs can
// race it; run it when the flusher has caught up, or accept that window.
import { inArray } from "drizzle-orm";
import type { Database } from "./client.ts";
import { ledgerEvents, users } from "./schema.ts";
import type { HotStore } from "../src/store/types.ts";

export interface BalanceFix {
  userId: string;
  before: bigint | null;
  after: bigint;
}

export async function reconcileBalances(database: Database, store: HotStore): Promise<BalanceFix[]> {
  const pending = await store.pendingLedger();
  const written = new Set<string>();
  const ids = pending.map((e) => e.eventId);
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await database.db.select({ id: ledgerEvents.eventId }).from(ledgerEvents).where(inArray(ledgerEvents.eventId, ids.slice(i, i + 1000)));
    for (const r of rows) written.add(r.id);
  }
  const unflushed = new Map<string, bigint>();
  for (const e of pending) {
    if (!written.has(e.eventId)) unflushed.set(e.userId, (unflushed.get(e.userId) ?? 0n) + BigInt(e.amountMicro));
  }
  const fixes: BalanceFix[] = [];
  for (const u of await database.db.select({ id: users.id, balance: users.balanceMicro }).from(users)) {
    const after = u.balance + (unflushed.get(u.id) ?? 0n);
    const before = await store.getBalance(u.id);
    if (before !== after) {
      await store.setBalance(u.id, after);
      fixes.push({ userId: u.id, before, after });
    }
  }
  return fixes;
}
