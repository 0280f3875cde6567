// Plans and credit packs: what users can buy. Prices are tax-inclusive rupiah; included
// credits and spend caps are micro-credits.
import { asc, eq } from "drizzle-orm";
import type { Database } from "./client.ts";
import { creditPacks, plans } from "./schema.ts";
import { writeAudit, type Q } from "./tx.ts";
import { microToCredits } from "../src/metering/money.ts";

export type PlanRow = typeof plans.$inferSelect;
export type PackRow = typeof creditPacks.$inferSelect;

export async function getPlan(q: Q, id: string): Promise<PlanRow | null> {
  return (await q.select().from(plans).where(eq(plans.id, id)).limit(1))[0] ?? null;
}

export async function getPack(q: Q, id: string): Promise<PackRow | null> {
  return (await q.select().from(creditPacks).where(eq(creditPacks.id, id)).limit(1))[0] ?? null;
}

export async function listPlans(database: Database): Promise<PlanRow[]> {
  return database.db.select().from(plans).orderBy(asc(plans.sort), asc(plans.id));
}

export async function listPacks(database: Database): Promise<PackRow[]> {
  return database.db.select().from(creditPacks).orderBy(asc(creditPacks.sort), asc(creditPacks.id));
}

export function planView(p: PlanRow) {
  return {
    id: p.id,
    name: p.name,
    price_idr: p.priceIdr,
    period_days: p.periodDays,
    period_months: p.periodMonths,
    included_credits: Number(microToCredits(p.includedMicro)),
    included_micro: Number(p.includedMicro),
    rpm: p.rpm,
    concurrency: p.concurrency,
    spend_cap_credits: Number(microToCredits(p.spendCapMicro)),
    spend_window_seconds: p.spendWindowSeconds,
    is_trial: p.isTrial,
    status: p.status,
  };
}

export function packView(p: PackRow) {
  return { id: p.id, name: p.name, price_idr: p.priceIdr, credits: Number(microToCredits(p.creditsMicro)), status: p.status };
}

export type PlanInput = Omit<typeof plans.$inferInsert, "createdAt" | "updatedAt">;

export async function createPlan(database: Database, input: PlanInput, actor: string): Promise<PlanRow | null> {
  return database.db.transaction(async (tx) => {
    const rows = await tx.insert(plans).values(input).onConflictDoNothing({ target: plans.id }).returning();
    const row = rows[0];
    if (!row) return null;
    await writeAudit(tx, { actor, action: "plan.create", target: `plan:${row.id}`, after: row });
    return row;
  });
}

export async function updatePlan(database: Database, id: string, patch: Partial<Omit<PlanInput, "id">>, actor: string): Promise<PlanRow | null> {
  return database.db.transaction(async (tx) => {
    const before = (await tx.select().from(plans).where(eq(plans.id, id)).for("update").limit(1))[0];
    if (!before) return null;
    const after = (await tx.update(plans).set({ ...patch, updatedAt: new Date() }).where(eq(plans.id, id)).returning())[0]!;
    await writeAudit(tx, { actor, action: "plan.update", target: `plan:${id}`, before, after });
    return after;
  });
}
