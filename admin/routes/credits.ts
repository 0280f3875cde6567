import { Elysia, t } from "elysia";
import { adjustCredits, getUser } from "../../db/accounts.ts";
import { microToCredits } from "../../src/metering/money.ts";
import { actorOf, AdminError, parseCredits, type AdminDeps } from "../context.ts";

export function creditRoutes(deps: AdminDeps) {
  return new Elysia().post(
    "/users/:id/credits",
    async ({ params, body, request }) => {
      if (!(await getUser(deps.database, params.id))) throw new AdminError(404, `No user ${params.id}.`);
      const amount = parseCredits("credits", body.credits);
      const r = await adjustCredits(deps.database, deps.store, {
        userId: params.id,
        amountMicro: amount,
        reason: body.reason,
        eventId: body.idempotency_key ? `adj:${body.idempotency_key}` : undefined,
        actor: actorOf(request),
      });
      return { applied: r.applied, balance_micro: Number(r.balanceMicro), balance_credits: Number(microToCredits(r.balanceMicro)) };
    },
    {
      params: t.Object({ id: t.String() }),
      body: t.Object({
        credits: t.Union([t.Number(), t.String()]),
        reason: t.String({ minLength: 1 }),
        idempotency_key: t.Optional(t.String()),
      }),
      detail: { summary: "Add or remove credits (ledger entry)", tags: ["Credits"] },
    },
  );
}
