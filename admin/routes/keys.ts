import { Elysia, t } from "elysia";
import { createKey, getKey, getUser, listKeys, revokeKey, updateKey, type KeyView } from "../../db/accounts.ts";
import { actorOf, AdminError, type AdminDeps } from "../context.ts";

function keyView(k: KeyView) {
  return {
    id: k.id,
    user_id: k.userId,
    prefix: k.prefix,
    name: k.name,
    status: k.status,
    rpm: k.rpm,
    concurrency: k.concurrency,
    allowed_models: k.allowedModels,
    created_at: k.createdAt.toISOString(),
    revoked_at: k.revokedAt ? k.revokedAt.toISOString() : null,
  };
}

const limitOverride = t.Optional(t.Union([t.Integer({ minimum: 0 }), t.Null()], { description: "Lowers the plan's limit for this key; null removes the override. Never raises it." }));

export function keyRoutes(deps: AdminDeps) {
  return new Elysia()
    .post(
      "/users/:id/keys",
      async ({ params, body, set, request }) => {
        if (!(await getUser(deps.database, params.id))) throw new AdminError(404, `No user ${params.id}.`);
        const created = await createKey(deps.database, deps.store, deps.defaultLimits, {
          userId: params.id,
          name: body?.name ?? null,
          rpm: body?.rpm ?? null,
          concurrency: body?.concurrency ?? null,
          allowedModels: body?.allowed_models ?? null,
          actor: actorOf(request),
        });
        set.status = 201;
        return { id: created.id, key: created.key, prefix: created.prefix };
      },
      {
        params: t.Object({ id: t.String() }),
        body: t.Optional(
          t.Object({
            name: t.Optional(t.String()),
            rpm: t.Optional(t.Integer({ minimum: 0 })),
            concurrency: t.Optional(t.Integer({ minimum: 0 })),
            allowed_models: t.Optional(t.Array(t.String())),
          }),
        ),
        detail: { summary: "Create an API key (shown only in this response)", tags: ["Keys"] },
      },
    )
    .get(
      "/users/:id/keys",
      async ({ params }) => ({ data: (await listKeys(deps.database, params.id)).map(keyView) }),
      { params: t.Object({ id: t.String() }), detail: { summary: "List a user's keys (never the key itself)", tags: ["Keys"] } },
    )
    .get(
      "/keys/:id",
      async ({ params }) => {
        const k = await getKey(deps.database, params.id);
        if (!k) throw new AdminError(404, `No key ${params.id}.`);
        return keyView(k);
      },
      { params: t.Object({ id: t.String() }), detail: { summary: "Get a key's settings", tags: ["Keys"] } },
    )
    .patch(
      "/keys/:id",
      async ({ params, body, request }) => {
        const patch: Parameters<typeof updateKey>[4] = {};
        if (body.name !== undefined) patch.name = body.name;
        if (body.rpm !== undefined) patch.rpm = body.rpm;
        if (body.concurrency !== undefined) patch.concurrency = body.concurrency;
        if (body.allowed_models !== undefined) patch.allowedModels = body.allowed_models;
        if (Object.keys(patch).length === 0) throw new AdminError(400, "body: nothing to change.");
        const k = await updateKey(deps.database, deps.store, deps.defaultLimits, params.id, patch, actorOf(request));
        if (!k) throw new AdminError(404, `No key ${params.id}.`);
        return keyView(k);
      },
      {
        params: t.Object({ id: t.String() }),
        body: t.Object({
          name: t.Optional(t.Union([t.String(), t.Null()])),
          rpm: limitOverride,
          concurrency: limitOverride,
          allowed_models: t.Optional(t.Union([t.Array(t.String()), t.Null()], { description: "Public model ids this key may call; null = all." })),
        }),
        detail: { summary: "Set a key's limit overrides and model allowlist (applies at once)", tags: ["Keys"] },
      },
    )
    .delete(
      "/keys/:id",
      async ({ params, request }) => {
        if (!(await revokeKey(deps.database, deps.store, params.id, actorOf(request)))) {
          throw new AdminError(404, `No active key ${params.id}.`);
        }
        return { id: params.id, status: "revoked" };
      },
      { params: t.Object({ id: t.String() }), detail: { summary: "Revoke an API key", tags: ["Keys"] } },
    );
}
