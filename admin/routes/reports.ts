import { Elysia, t } from "elysia";
import { listAudit, usageReport } from "../../db/reports.ts";
import { microToCredits } from "../../src/metering/money.ts";
import { AdminError, type AdminDeps } from "../context.ts";

const DAY_MS = 86_400_000;

export function reportRoutes(deps: AdminDeps) {
  return new Elysia()
    .get(
      "/usage",
      async ({ query }) => {
        const to = query.to ? new Date(query.to) : new Date(Date.now() + 1000);
        const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * DAY_MS);
        if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new AdminError(400, "from/to: ISO 8601 timestamps.");
        const tz = query.tz ?? "UTC";
        if (!Intl.supportedValuesOf("timeZone").includes(tz) && tz !== "UTC") throw new AdminError(400, `tz: unknown time zone "${tz}".`);
        const r = await usageReport(deps.reports ?? deps.database, { groupBy: query.group_by ?? "day", from, to, tz, userId: query.user_id, keyId: query.key_id, modelId: query.model_id });
        const withCredits = <T extends { cost_micro: number }>(x: T) => ({ ...x, cost_credits: Number(microToCredits(BigInt(x.cost_micro))) });
        return { group_by: query.group_by ?? "day", from: from.toISOString(), to: to.toISOString(), tz, rows: r.rows.map(withCredits), totals: withCredits(r.totals) };
      },
      {
        query: t.Object({
          group_by: t.Optional(t.Union([t.Literal("day"), t.Literal("model"), t.Literal("key"), t.Literal("user")])),
          from: t.Optional(t.String({ description: "ISO 8601, inclusive; default 30 days before `to`" })),
          to: t.Optional(t.String({ description: "ISO 8601, exclusive; default now" })),
          tz: t.Optional(t.String({ description: "IANA zone for day buckets; default UTC" })),
          user_id: t.Optional(t.String()),
          key_id: t.Optional(t.String()),
          model_id: t.Optional(t.String()),
        }),
        detail: { summary: "Usage from the ledger by day, model, key or user; rows sum to totals", tags: ["Reports"] },
      },
    )
    .get(
      "/audit",
      async ({ query }) => ({
        data: (await listAudit(deps.database, { target: query.target, action: query.action, actor: query.actor, beforeId: query.before_id, limit: query.limit ?? 100 })).map(
          (a) => ({ ...a, id: Number(a.id), at: new Date(a.at).toISOString() }),
        ),
      }),
      {
        query: t.Object({
          target: t.Optional(t.String()),
          action: t.Optional(t.String({ description: "Prefix, e.g. model. or refund.create" })),
          actor: t.Optional(t.String()),
          before_id: t.Optional(t.Integer({ minimum: 1 })),
          limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
        }),
        detail: { summary: "Every admin mutation with actor, time, before and after; newest first", tags: ["Reports"] },
      },
    );
}
