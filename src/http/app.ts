// The public gateway app. Errors of every origin (validation, parse, auth, limits,
// upstream) leave in the endpoint's own protocol format with an x-request-id.
import { Elysia, ValidationError } from "elysia";
import type { Database } from "../../db/client.ts";
import type { Config } from "../config.ts";
import type { Catalog } from "../routing/catalog.ts";
import type { HotStore } from "../store/types.ts";
import type { Cooldowns } from "../routing/cooldown.ts";
import type { DispatchPolicy } from "../routing/dispatch.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { KeyAuthenticator } from "./auth.ts";
import { errorResponse, GatewayError, protocolForPath } from "./errors.ts";
import { newRequestId, requestIdOf } from "./request-id.ts";
import { readBodyText } from "./body.ts";
import { completionRoutes } from "./routes/completions.ts";
import { countTokensRoutes } from "./routes/count-tokens.ts";
import { modelRoutes } from "./routes/models.ts";
import { healthRoutes } from "./routes/health.ts";
import { balanceRoutes } from "./routes/balance.ts";
import { billingRoutes } from "./routes/billing.ts";
import { webhookRoutes } from "./routes/webhooks.ts";
import type { BillingDeps } from "../payments/deps.ts";
import { docsRoutes } from "./routes/docs.ts";
import { webDashboard } from "../../web/app/index.ts";

export interface GatewayDeps {
  config: Config;
  catalog(): Catalog;
  store: HotStore;
  auth: KeyAuthenticator;
  cooldowns: Cooldowns;
  policy: DispatchPolicy;
  metrics: Metrics;
  startedAt: number;
  ready(): Promise<boolean>;
  fetch?: typeof fetch;
  /** Plans, QRIS checkout and payment webhooks; without it those routes answer 503/404. */
  billing?: BillingDeps;
  /** Where usage reports read (DATABASE_REPLICA_URL); the primary when absent. */
  reports?: Database;
}

export function createGatewayApp(deps: GatewayDeps) {
  const limit = deps.config.bodyLimitBytes;
  return new Elysia({ normalize: false })
    .onRequest(({ set }) => {
      set.headers["x-request-id"] = newRequestId();
    })
    // Before onParse on purpose: webhook signatures are checked against the raw body.
    .use(webhookRoutes({ billing: deps.billing }))
    // The web dashboard (/app) too: it reads its own form bodies and answers errors in HTML.
    .use(webDashboard({ config: deps.config, billing: deps.billing, reports: deps.reports }))
    .onParse(async ({ request, contentType }) => {
      if (request.method === "GET" || request.method === "HEAD") return;
      const text = await readBodyText(request, limit);
      // Clients omit or vary the content type; anything that parses as JSON is JSON.
      if (text === "") return contentType?.includes("json") ? undefined : "";
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new GatewayError("invalid_request", "The request body is not valid JSON.", { code: "invalid_json" });
      }
    })
    .onError(({ code, error, request, set, path }) => {
      const requestId = requestIdOf(set);
      const protocol = protocolForPath(path ?? new URL(request.url).pathname);
      if (error instanceof GatewayError) return errorResponse(protocol, error, requestId);
      // Errors thrown while reading the body (e.g. 413) reach us wrapped in Elysia's ParseError.
      const cause = error instanceof Error ? error.cause : undefined;
      if (cause instanceof GatewayError) return errorResponse(protocol, cause, requestId);
      if (error instanceof ValidationError || code === "VALIDATION") {
        return errorResponse(protocol, validationError(error), requestId);
      }
      if (code === "PARSE") {
        return errorResponse(protocol, new GatewayError("invalid_request", "The request body is not valid JSON.", { code: "invalid_json" }), requestId);
      }
      if (code === "NOT_FOUND") {
        return errorResponse(protocol, new GatewayError("not_found", `No route for ${request.method} ${path}.`, { code: "unknown_route" }), requestId);
      }
      console.error(`[sluice] ${requestId} unhandled error:`, error);
      return errorResponse(protocol, new GatewayError("internal", "Internal error; nothing was billed. Please retry."), requestId);
    })
    .use(healthRoutes(deps))
    .use(docsRoutes({ headerPrefix: deps.config.headerPrefix }))
    .use(modelRoutes(deps))
    .use(balanceRoutes({ store: deps.store, auth: deps.auth, creditUsd: deps.config.creditUsd }))
    .use(billingRoutes({ auth: deps.auth, billing: deps.billing }))
    .use(completionRoutes(deps))
    .use(countTokensRoutes(deps));
}

/** A 400 naming the first field at fault, e.g. "messages.0.role: Expected string". */
function validationError(error: unknown): GatewayError {
  if (error instanceof ValidationError) {
    const first = error.all[0] as { path?: string; message?: string; summary?: string } | undefined;
    const field = (first?.path ?? "").replace(/^\//, "").replace(/\//g, ".") || "body";
    const why = first?.summary ?? first?.message ?? "invalid value";
    const missing = first?.message === "Expected required property" || /required/i.test(why);
    return new GatewayError("invalid_request", `${field}: ${missing ? "required field is missing" : why}`, {
      param: field,
      code: missing ? "missing_required_parameter" : "invalid_value",
    });
  }
  return new GatewayError("invalid_request", "The request body does not match the schema.");
}
