// Plans and credit packs. A plan change applies at once to every key of every user on it.
import { Elysia, t } from "elysia";
import { and, eq, inArray } from "drizzle-orm";
import { LIVE_PLAN_STATUSES, refreshUserKeys } from "../../db/accounts.ts";
import { createPlan, getPlan, listPacks, listPlans, packView, planView, updatePlan, type PlanInput } from "../../db/plans.ts";
import { creditPacks, users } from "../../db/schema.ts";
import { writeAudit } from "../../db/tx.ts";
import { actorOf, AdminError, parseCredits, type AdminDeps } from "../context.ts";

const Credits = t.Union([t.Number({ minimum: 0 }), t.String({ pattern: "^\\d+(\\.\\d{1,6})?$" })]);
const planFields = {
  name: t.String({ minLength: 1 }),
  price_idr: t.Integer({ minimum: 0, description: "Tax-inclusive rupiah" }),
  period_days: t.Integer({ minimum: 1, description: "Period length in days; setting it alone switches the plan to day-based periods" }),
  period_months: t.Integer({ minimum: 0, description: "Calendar months anchored in Asia/Jakarta; 0 = use period_days" }),
  included_credits: Credits,
  rpm: t.Integer({ minimum: 0, description: "0 = unlimited" }),
  concurrency: t.Integer({ minimum: 0, description: "0 = unlimited" }),
  spend_cap_credits: Credits,
  spend_window_seconds: t.Integer({ minimum: 1 }),
  status: t.Union([t.Literal("active"), t.Literal("retired")]),
};

export function planRoutes(deps: AdminDeps) {
  return new Elysia()
    .get("/plans", async () => ({ data: (await listPlans(deps.database)).map(planView) }), {
      detail: { summary: "List plans", tags: ["Plans"] },
    })
    .post(
      "/plans",
      async ({ body, set, request }) => {
        const input: PlanInput = {
          id: body.id,
          name: body.name,
          priceIdr: body.price_idr,
          periodDays: body.period_days,
          periodMonths: body.period_months ?? 0,
          includedMicro: parseCredits("included_credits", body.included_credits ?? 0, { min: 0n }),
          rpm: body.rpm ?? 0,
          concurrency: body.concurrency ?? 0,
          spendCapMicro: parseCredits("spend_cap_credits", body.spend_cap_credits ?? 0, { min: 0n }),
          spendWindowSeconds: body.spend_window_seconds ?? 18_000,
          status: body.status ?? "active",
          sort: body.sort ?? 0,
        };
        const created = await createPlan(deps.database, input, actorOf(request));
        if (!created) throw new AdminError(409, `Plan ${body.id} already exists.`);
        set.status = 201;
        return planView(created);
      },
      {
        body: t.Object({
          id: t.String({ minLength: 1, maxLength: 64, pattern: "^[a-z0-9_-]+$" }),
          name: planFields.name,
          price_idr: planFields.price_idr,
          period_days: planFields.period_days,
          period_months: t.Optional(planFields.period_months),
          included_credits: t.Optional(planFields.included_credits),
          rpm: t.Optional(planFields.rpm),
          concurrency: t.Optional(planFields.concurrency),
          spend_cap_credits: t.Optional(planFields.spend_cap_credits),
          spend_window_seconds: t.Optional(planFields.spend_window_seconds),
          status: t.Optional(planFields.status),
          sort: t.Optional(t.Integer()),
        }),
        detail: { summary: "Create a plan", tags: ["Plans"] },
      },
    )
    .patch(
      "/plans/:id",
      async ({ params, body, request }) => {
        const patch: Partial<Omit<PlanInput, "id">> = {};
        if (body.name !== undefined) patch.name = body.name;
        if (body.price_idr !== undefined) patch.priceIdr = body.price_idr;
        if (body.period_days !== undefined) {
          patch.periodDays = body.period_days;
          // Explicit days mean day-based periods unless months are given too.
          if (body.period_months === undefined) patch.periodMonths = 0;
        }
        if (body.period_months !== undefined) patch.periodMonths = body.period_months;
        if (body.included_credits !== undefined) patch.includedMicro = parseCredits("included_credits", body.included_credits, { min: 0n });
        if (body.rpm !== undefined) patch.rpm = body.rpm;
        if (body.concurrency !== undefined) patch.concurrency = body.concurrency;
        if (body.spend_cap_credits !== undefined) patch.spendCapMicro = parseCredits("spend_cap_credits", body.spend_cap_credits, { min: 0n });
        if (body.spend_window_seconds !== undefined) patch.spendWindowSeconds = body.spend_window_seconds;
        if (body.status !== undefined) patch.status = body.status;
        if (Object.keys(patch).length === 0) throw new AdminError(400, "body: nothing to change.");
        const updated = await updatePlan(deps.database, params.id, patch, actorOf(request));
        if (!updated) throw new AdminError(404, `No plan ${params.id}.`);
        const holders = await deps.database.db
          .select({ id: users.id })
          .from(users)
          .where(and(eq(users.planId, params.id), inArray(users.planStatus, LIVE_PLAN_STATUSES)));
        for (const u of holders) await refreshUserKeys(deps.database, deps.store, u.id, deps.defaultLimits);
        return { ...planView(updated), users_updated: holders.length };
      },
      {
        params: t.Object({ id: t.String() }),
        body: t.Partial(t.Object(planFields)),
        detail: { summary: "Change a plan; new limits apply at once to its users' keys", tags: ["Plans"] },
      },
    )
    .get(
      "/plans/:id",
      async ({ params }) => {
        const p = await getPlan(deps.database.db, params.id);
        if (!p) throw new AdminError(404, `No plan ${params.id}.`);
        return planView(p);
      },
      { params: t.Object({ id: t.String() }), detail: { summary: "Get a plan", tags: ["Plans"] } },
    )
    .get("/packs", async () => ({ data: (await listPacks(deps.database)).map(packView) }), {
      detail: { summary: "List credit packs", tags: ["Plans"] },
    })
    .post(
      "/packs",
      async ({ body, set, request }) => {
        const row = await deps.database.db.transaction(async (tx) => {
          const created = (
            await tx
              .insert(creditPacks)
              .values({ id: body.id, name: body.name, priceIdr: body.price_idr, creditsMicro: parseCredits("credits", body.credits, { min: 1n }), status: body.status ?? "active" })
              .onConflictDoUpdate({
                target: creditPacks.id,
                set: { name: body.name, priceIdr: body.price_idr, creditsMicro: parseCredits("credits", body.credits, { min: 1n }), status: body.status ?? "active" },
              })
              .returning()
          )[0]!;
          await writeAudit(tx, { actor: actorOf(request), action: "pack.upsert", target: `pack:${body.id}`, after: created });
          return created;
        });
        set.status = 201;
        return packView(row);
      },
      {
        body: t.Object({
          id: t.String({ minLength: 1, maxLength: 64, pattern: "^[a-z0-9_-]+$" }),
          name: t.String({ minLength: 1 }),
          price_idr: t.Integer({ minimum: 1 }),
          credits: Credits,
          status: t.Optional(t.Union([t.Literal("active"), t.Literal("retired")])),
        }),
        detail: { summary: "Create or replace a credit pack", tags: ["Plans"] },
      },
    );
}
