// The admin API on ADMIN_PORT: private, bearer ADMIN_TOKEN compared in constant time.
// Shares db/ and store/ with the gateway, never src/http. Routes live in admin/routes/, one
// module per resource; this file owns authentication and error formatting for all of them.
import { Elysia } from "elysia";
import { timingSafeEqual } from "node:crypto";
import { sha256Hex } from "../db/admin-token.ts";
import { AdminError, type AdminDeps } from "./context.ts";
import { userRoutes } from "./routes/users.ts";
import { keyRoutes } from "./routes/keys.ts";
import { creditRoutes } from "./routes/credits.ts";
import { modelRoutes } from "./routes/models.ts";
import { providerRoutes } from "./routes/providers.ts";
import { planRoutes } from "./routes/plans.ts";
import { subscriptionRoutes } from "./routes/subscriptions.ts";
import { paymentRoutes } from "./routes/payments.ts";
import { reportRoutes } from "./routes/reports.ts";
import { deploymentHealthRoutes, reconcileRoutes } from "./routes/ops.ts";
import { adminDocs } from "./openapi/routes.ts";

export type { AdminDeps } from "./context.ts";

function tokenMatches(header: string | null, expectedHash: string): boolean {
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!m) return false;
  // Comparing fixed-length hashes keeps the comparison constant-time whatever the input length.
  return timingSafeEqual(Buffer.from(sha256Hex(m[1]!), "hex"), Buffer.from(expectedHash, "hex"));
}

export function createAdminApp(deps: AdminDeps) {
  return new Elysia({ prefix: "/admin/v1" })
    .use(adminDocs())
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
    .use(userRoutes(deps))
    .use(keyRoutes(deps))
    .use(creditRoutes(deps))
    .use(modelRoutes(deps))
    .use(providerRoutes(deps))
    .use(planRoutes(deps))
    .use(subscriptionRoutes(deps))
    .use(paymentRoutes(deps))
    .use(reportRoutes(deps))
    .use(reconcileRoutes(deps))
    .use(deps.cooldowns ? deploymentHealthRoutes({ cooldowns: deps.cooldowns }) : new Elysia({ name: "no-deployment-health" }));
}
