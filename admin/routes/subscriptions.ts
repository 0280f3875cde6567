import { Elysia, t } from "elysia";
import { getUser } from "../../db/accounts.ts";
import { subscriptionView } from "../../db/subscriptions.ts";
import { assignPlan, cancelAtPeriodEnd } from "../../src/payments/plan-change.ts";
import { actorOf, AdminError, billingOf, viaBilling, type AdminDeps } from "../context.ts";

export function subscriptionRoutes(deps: AdminDeps) {
  return new Elysia()
    .post(
      "/users/:id/subscription",
      async ({ params, body, request }) => {
        const billing = billingOf(deps);
        if (!(await getUser(deps.database, params.id))) throw new AdminError(404, `No user ${params.id}.`);
        const r = await viaBilling(() => assignPlan(billing, params.id, body.plan_id, { actor: actorOf(request), grantCredits: body.grant_credits ?? true }));
        return {
          subscription: subscriptionView(r.subscription),
          refund_idr: r.refundIdr,
          credits_returned_micro: Number(r.creditsReturnedMicro),
          credit_note_number: r.creditNoteNumber,
        };
      },
      {
        params: t.Object({ id: t.String() }),
        body: t.Object({
          plan_id: t.String({ minLength: 1 }),
          grant_credits: t.Optional(t.Boolean({ description: "Add the plan's included credits (prorated on an upgrade); default true" })),
        }),
        detail: {
          summary: "Put a user on a plan without payment",
          description: "Starts a period if the user has no paid plan; a cheaper plan is a downgrade with its pro-rata refund; a dearer one switches at no charge.",
          tags: ["Plans"],
        },
      },
    )
    .post(
      "/users/:id/subscription/cancel",
      async ({ params, request }) => subscriptionView(await viaBilling(() => cancelAtPeriodEnd(billingOf(deps), params.id, actorOf(request)))),
      { params: t.Object({ id: t.String() }), detail: { summary: "Cancel a user's plan at the end of its period", tags: ["Plans"] } },
    );
}
