import { Elysia, t } from "elysia";
import { createUser, getUser, listUsers, type UserView } from "../../db/accounts.ts";
import { activeSubscription, scheduledSubscription, subscriptionView } from "../../db/subscriptions.ts";
import { microToCredits } from "../../src/metering/money.ts";
import { actorOf, AdminError, type AdminDeps } from "../context.ts";

export function userRoutes(deps: AdminDeps) {
  const view = async (user: UserView) => {
    // The hot balance includes usage not yet flushed to Postgres, so it is the current one.
    const balance = (await deps.store.getBalance(user.id)) ?? user.balanceMicro;
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      balance_micro: Number(balance),
      balance_credits: Number(microToCredits(balance)),
      plan_id: user.planId,
      plan_status: user.planStatus,
      created_at: user.createdAt.toISOString(),
    };
  };
  return new Elysia()
    .post(
      "/users",
      async ({ body, set, request }) => {
        const id = await createUser(deps.database, deps.store, {
          email: body?.email ?? null,
          name: body?.name ?? null,
          signupMicro: deps.signupMicro,
          actor: actorOf(request),
        });
        set.status = 201;
        return { id };
      },
      {
        body: t.Optional(t.Object({ email: t.Optional(t.String({ format: "email" })), name: t.Optional(t.String()) })),
        detail: { summary: "Create a user", tags: ["Users"] },
      },
    )
    .get(
      "/users",
      async ({ query }) => {
        const users = await listUsers(deps.database, { search: query.search, limit: query.limit ?? 50, offset: query.offset ?? 0 });
        return { data: await Promise.all(users.map(view)) };
      },
      {
        query: t.Object({
          search: t.Optional(t.String({ maxLength: 200 })),
          limit: t.Optional(t.Integer({ minimum: 1, maximum: 500 })),
          offset: t.Optional(t.Integer({ minimum: 0 })),
        }),
        detail: { summary: "List users, optionally searching id, email and name", tags: ["Users"] },
      },
    )
    .get(
      "/users/:id",
      async ({ params }) => {
        const user = await getUser(deps.database, params.id);
        if (!user) throw new AdminError(404, `No user ${params.id}.`);
        const current = await activeSubscription(deps.database.db, user.id);
        const next = await scheduledSubscription(deps.database.db, user.id);
        return {
          ...(await view(user)),
          subscription: current ? subscriptionView(current) : null,
          next_subscription: next ? subscriptionView(next) : null,
        };
      },
      { params: t.Object({ id: t.String() }), detail: { summary: "Get a user with balance and plan", tags: ["Users"] } },
    );
}
