// Response schemas of the admin API, for its documentation only (as in
// src/http/openapi/schemas.ts for the gateway).
import { Type as T } from "@sinclair/typebox";

const open = { additionalProperties: true } as const;

export const AdminErrorBody = T.Object(
  { error: T.Object({ message: T.String() }) },
  { title: "AdminError", description: "Error body of the admin API" },
);

export const AdminCreated = T.Object({ id: T.String() }, { title: "CreatedId" });

export const AdminUser = T.Object(
  {
    id: T.String(),
    email: T.Union([T.String(), T.Null()]),
    name: T.Union([T.String(), T.Null()]),
    balance_micro: T.Integer({ description: "Balance in micro-credits, including usage not yet flushed to Postgres" }),
    balance_credits: T.Number(),
    plan_id: T.Union([T.String(), T.Null()]),
    plan_status: T.Union([T.String(), T.Null()]),
    created_at: T.String({ format: "date-time" }),
  },
  { ...open, title: "AdminUser" },
);

export const AdminKeyCreated = T.Object(
  {
    id: T.String(),
    key: T.String({ description: "The API key itself; shown only in this response" }),
    prefix: T.String(),
  },
  { title: "CreatedKey" },
);

export const AdminKeyRevoked = T.Object({ id: T.String(), status: T.Literal("revoked") }, { title: "RevokedKey" });

export const AdminCreditsResult = T.Object(
  {
    applied: T.Boolean({ description: "false when the idempotency_key was already used" }),
    balance_micro: T.Integer(),
    balance_credits: T.Number(),
  },
  { title: "CreditsResult" },
);
