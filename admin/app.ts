// The admin API on ADMIN_PORT: private, bearer ADMIN_TOKEN compared in constant time.
// Shares db/ and store/ with the gateway, never src/http.
import { Elysia, t } from "elysia";
import { timingSafeEqual } from "node:crypto";
import type { Database } from "../db/client.ts";
import { sha256Hex } from "../db/admin-token.ts";
import { adjustCredits, createKey, createUser, getUser, revokeKey, type DefaultLimits } from "../db/accounts.ts";
import type { HotStore } from "../src/store/types.ts";
import { creditsToMicro, microToCredits } from "../src/metering/money.ts";

export interface AdminDeps {
  database: Database;
  store: HotStore;
  adminTokenHash: string;
  defaultLimits: DefaultLimits;
  signupMicro: bigint;
}

class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function tokenMatches(header: string | null, expectedHash: string): boolean {
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!m) return false;
  // Comparing fixed-length hashes keeps the comparison constant-time whatever the input length.
  return timingSafeEqual(Buffer.from(sha256Hex(m[1]!), "hex"), Buffer.from(expectedHash, "hex"));
}

const ACTOR = "admin-token";

export function createAdminApp(deps: AdminDeps) {
  return new Elysia({ prefix: "/admin/v1" })
    .onError(({ error, code, set }) => {
      if (error instanceof AdminError) {
        set.status = error.status;
        return { error: { message: error.message } };
      }
      if (code === "VALIDATION") {
        set.status = 400;
        const first = error.all[0] as { path?: string; summary?: string; message?: string } | undefined;
        return { error: { message: `${(first?.path ?? "body").replace(/^\//, "") || "body"}: ${first?.summary ?? first?.message ?? "invalid"}` } };
      }
      if (code === "PARSE") {
        set.status = 400;
        return { error: { message: "The request body is not valid JSON." } };
      }
      if (code === "NOT_FOUND") {
        set.status = 404;
        return { error: { message: "Not found." } };
      }
      console.error("[sluice-admin] unhandled error:", error);
      set.status = 500;
      return { error: { message: "Internal error." } };
    })
    .onBeforeHandle(({ request }) => {
      if (!tokenMatches(request.headers.get("authorization"), deps.adminTokenHash)) {
        throw new AdminError(401, "Missing or invalid admin token.");
      }
    })
    .post(
      "/users",
      async ({ body, set }) => {
        const id = await createUser(deps.database, deps.store, {
          email: body?.email ?? null,
          name: body?.name ?? null,
          signupMicro: deps.signupMicro,
          actor: ACTOR,
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
      "/users/:id",
      async ({ params }) => {
        const user = await getUser(deps.database, params.id);
        if (!user) throw new AdminError(404, `No user ${params.id}.`);
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
      },
      { params: t.Object({ id: t.String() }), detail: { summary: "Get a user", tags: ["Users"] } },
    )
    .post(
      "/users/:id/keys",
      async ({ params, body, set }) => {
        if (!(await getUser(deps.database, params.id))) throw new AdminError(404, `No user ${params.id}.`);
        const created = await createKey(deps.database, deps.store, deps.defaultLimits, {
          userId: params.id,
          name: body?.name ?? null,
          rpm: body?.rpm ?? null,
          concurrency: body?.concurrency ?? null,
          allowedModels: body?.allowed_models ?? null,
          actor: ACTOR,
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
    .delete(
      "/keys/:id",
      async ({ params }) => {
        if (!(await revokeKey(deps.database, deps.store, params.id, ACTOR))) {
          throw new AdminError(404, `No active key ${params.id}.`);
        }
        return { id: params.id, status: "revoked" };
      },
      { params: t.Object({ id: t.String() }), detail: { summary: "Revoke an API key", tags: ["Keys"] } },
    )
    .post(
      "/users/:id/credits",
      async ({ params, body }) => {
        if (!(await getUser(deps.database, params.id))) throw new AdminError(404, `No user ${params.id}.`);
        let amount: bigint;
        try {
          amount = creditsToMicro(body.credits);
        } catch {
          throw new AdminError(400, "credits: a number with at most 6 decimals.");
        }
        const r = await adjustCredits(deps.database, deps.store, {
          userId: params.id,
          amountMicro: amount,
          reason: body.reason,
          eventId: body.idempotency_key ? `adj:${body.idempotency_key}` : undefined,
          actor: ACTOR,
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
