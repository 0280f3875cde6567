// The admin API's document (ADMIN_PORT). Same generator and enrichment as the gateway; only
// the auth (the ADMIN_TOKEN bearer), the error shape ({error: {message}}) and the per-route
// examples differ. This module imports nothing from the gateway's request handling, so the
// admin app can use it without depending on src/http at large.
import type { AnyElysia } from "elysia";
import pkg from "../../package.json" with { type: "json" };
import { enrich, type DocSpec, type OperationContext, type OperationDoc } from "../../src/openapi/enrich.ts";
import { generateRaw } from "../../src/openapi/generate.ts";
import type { Json } from "../../src/openapi/json.ts";
import { AdminCreated, AdminCreditsResult, AdminErrorBody, AdminKeyCreated, AdminKeyRevoked, AdminUser } from "./schemas.ts";

export interface AdminDocOptions {
  serverUrl?: string;
}

export const DEFAULT_ADMIN_URL = "http://127.0.0.1:8081";

const USER_ID = "usr_3f2a9c1d7e6b5a4f8c0d";
const KEY_ID = "key_9b8c7d6e5f4a3b2c1d0e";

const STATUS_TEXT: Record<number, { description: string; message: string }> = {
  400: { description: "Invalid body or parameter; the message names the field", message: "credits: a number with at most 6 decimals." },
  401: { description: "Missing or invalid admin token", message: "Missing or invalid admin token." },
  404: { description: "No such user, key or route", message: `No user ${USER_ID}.` },
  409: { description: "The id is taken", message: "Plan explore already exists." },
  500: { description: "Internal error", message: "Internal error." },
};

const OPERATIONS: Record<string, OperationDoc> = {
  "GET /metrics": {
    auth: "none",
    errors: [],
    description: "Prometheus metrics, outside the token check so scrapers need no secret (the port is private).",
    success: { description: "Metrics in the Prometheus text format", contentType: "text/plain", schema: { type: "string" } },
  },
  "POST /admin/v1/users": {
    successStatus: 201,
    description: "Creates a user with the signup credit (SIGNUP_CREDITS). Both fields are optional.",
    requestExamples: { basic: { value: { email: "ada@example.com", name: "Ada" } } },
    success: { description: "The new user's id", schema: AdminCreated, examples: { created: { value: { id: USER_ID } } } },
  },
  "GET /admin/v1/users/{id}": {
    pathParamExamples: { id: USER_ID },
    success: {
      description: "The user, with the current balance (including usage not yet flushed to Postgres)",
      schema: AdminUser,
      examples: {
        user: {
          value: {
            id: USER_ID,
            email: "ada@example.com",
            name: "Ada",
            balance_micro: 200000000,
            balance_credits: 200,
            plan_id: null,
            plan_status: null,
            created_at: "2026-01-01T00:00:00.000Z",
          },
        },
      },
    },
  },
  "POST /admin/v1/users/{id}/keys": {
    successStatus: 201,
    pathParamExamples: { id: USER_ID },
    description: "Creates an API key. The key itself is in this response only; store it now. Limits left out use the user's plan or the defaults.",
    requestExamples: { basic: { value: { name: "ci", rpm: 60, concurrency: 4, allowed_models: ["gpt-5.5", "claude-sonnet-4.6"] } } },
    success: {
      description: "The new key",
      schema: AdminKeyCreated,
      examples: { created: { value: { id: KEY_ID, key: "sk-sluice-Zm9vYmFyYmF6cXV4cXV1eGNvcmdl", prefix: "sk-sluice-Zm9vYm" } } },
    },
  },
  "DELETE /admin/v1/keys/{id}": {
    pathParamExamples: { id: KEY_ID },
    description: "Revokes a key everywhere within moments (the gateways' key caches are invalidated).",
    success: { description: "The key is revoked", schema: AdminKeyRevoked, examples: { revoked: { value: { id: KEY_ID, status: "revoked" } } } },
  },
  "POST /admin/v1/users/{id}/credits": {
    pathParamExamples: { id: USER_ID },
    description: "Adds (or, negative, removes) credits as one ledger entry. An idempotency_key makes retries safe.",
    requestExamples: { basic: { value: { credits: 100, reason: "welcome bonus", idempotency_key: "bonus-2026-01" } } },
    success: {
      description: "The resulting balance",
      schema: AdminCreditsResult,
      examples: { applied: { value: { applied: true, balance_micro: 300000000, balance_credits: 300 } } },
    },
  },
};

// Statuses set inside handlers, which no route metadata shows: creations answer 201, and
// those keyed by a caller-chosen id answer 409 when it is taken.
const CREATED = { successStatus: 201, success: { description: "Created" } } satisfies OperationDoc;
const CREATED_OR_UPDATED = {
  successStatus: 200,
  success: { description: "Updated (it existed)" },
  otherResponses: { "201": { description: "Created" } },
} satisfies OperationDoc;
const STATUS_FACTS: Record<string, OperationDoc> = {
  "POST /admin/v1/models": { ...CREATED, errors: [400, 401, 409, 500] },
  "POST /admin/v1/deployments": { ...CREATED, errors: [400, 401, 404, 409, 500] },
  "POST /admin/v1/plans": { ...CREATED, errors: [400, 401, 409, 500] },
  "POST /admin/v1/packs": CREATED,
  "POST /admin/v1/providers": CREATED_OR_UPDATED,
  "POST /admin/v1/refunds": { ...CREATED_OR_UPDATED, success: { description: "Already refunded with this key: the existing refund" } },
};

function defaults(ctx: OperationContext): OperationDoc {
  const errors = [401, 500];
  if (ctx.hasBody) errors.push(400);
  if (ctx.hasPathParams) errors.push(404);
  return { auth: "admin", errorFormat: "admin", headers: "none", errors: errors.sort() };
}

export function adminSpec(opts: AdminDocOptions = {}): DocSpec {
  return {
    info: {
      title: "Sluice admin API",
      version: pkg.version,
      description:
        "The private admin API on ADMIN_PORT: users, keys, credits, catalog, plans and payments. Every endpoint under " +
        "`/admin/v1` takes `Authorization: Bearer <ADMIN_TOKEN>`. Integers (micro-credits, IDR) are JSON numbers; " +
        "prices are credits per 1M tokens. Errors are `{error: {message}}`.",
    },
    servers: [{ url: opts.serverUrl ?? DEFAULT_ADMIN_URL, description: opts.serverUrl ? "This admin server" : "A local admin server (npm start)" }],
    tags: [
      { name: "Users", description: "Accounts and their balances" },
      { name: "Keys", description: "API keys" },
      { name: "Credits", description: "Ledger adjustments" },
      { name: "Catalog", description: "Models, prices, deployments and providers" },
      { name: "Plans", description: "Plans, credit packs and subscriptions (prices in IDR, tax included)" },
      { name: "Payments", description: "QRIS orders, refunds and invoices" },
      { name: "Reports", description: "Usage and the audit log" },
      { name: "Deployments", description: "Deployment health" },
      { name: "Ops", description: "Metrics and operator views" },
    ],
    securitySchemes: {
      adminToken: { type: "http", scheme: "bearer", description: "`Authorization: Bearer <ADMIN_TOKEN>`" },
    },
    security: (auth) => (auth === "none" || auth === "signature" ? [] : [{ adminToken: [] }]),
    headerComponents: {},
    successHeaders: () => ({}),
    errorHeaders: () => ({}),
    schemas: { AdminError: AdminErrorBody },
    errorSchema: { openai: "AdminError", anthropic: "AdminError", admin: "AdminError" },
    errorExample: (_format, status) => {
      const text = STATUS_TEXT[status] ?? { description: `Error ${status}`, message: `Error ${status}.` };
      const body: Json = { error: { message: text.message } };
      return { description: text.description, body };
    },
    operations: { ...STATUS_FACTS, ...OPERATIONS },
    defaults,
  };
}

/** The OpenAPI 3.1 document of an admin app (or of the app a plugin is mounted in). */
export function buildAdminOpenApi(app: AnyElysia, opts: AdminDocOptions = {}) {
  return enrich(generateRaw(app), adminSpec(opts));
}
