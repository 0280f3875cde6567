// The admin panel on the admin port, under /admin (the API stays under /admin/v1): sign in
// with the admin token, then catalog and prices, providers and deployments, plans, users,
// orders, documents, usage, audit and health. Every change goes through the admin API.
import { Elysia } from "elysia";
import { serveAsset } from "../kit/assets.ts";
import { FormError, redirect } from "../kit/http.ts";
import { HIDDEN } from "../kit/routes.ts";
import { ApiFailure } from "./api.ts";
import { adminAuthPages } from "./auth.ts";
import { AdminConsole, PageError, PREFIX, type AdminConsoleDeps } from "./core.ts";
import { healthPages } from "./health.ts";
import { modelPages } from "./models.ts";
import { orderPages } from "./orders.ts";
import { planPages } from "./plans.ts";
import { providerPages } from "./providers.ts";
import { reportPages } from "./reports.ts";
import { userPages } from "./users.ts";

export type { AdminConsoleDeps } from "./core.ts";

export function adminPanel(deps: AdminConsoleDeps) {
  const c = new AdminConsole(deps);
  return new Elysia()
    .onError(({ error, code }) => {
      if (error instanceof PageError || error instanceof FormError || error instanceof ApiFailure) return c.errorPage(error.status, error.message);
      if (code === "NOT_FOUND") return c.errorPage(404, "There is no such page.");
      if (code === "VALIDATION" || code === "PARSE") return c.errorPage(400, "The request was not understood.");
      console.error("[sluice-web] admin panel error:", error);
      return c.errorPage(500, "Something went wrong. The server log has the details.");
    })
    .get(PREFIX, () => redirect(`${PREFIX}/models`), HIDDEN)
    .get(`${PREFIX}/`, () => redirect(`${PREFIX}/models`), HIDDEN)
    .get(`${PREFIX}/assets/:file`, ({ params }) => serveAsset(params.file), HIDDEN)
    .use(adminAuthPages(c))
    .use(modelPages(c))
    .use(providerPages(c))
    .use(planPages(c))
    .use(userPages(c))
    .use(orderPages(c))
    .use(reportPages(c))
    .use(healthPages(c))
    .all(`${PREFIX}/*`, ({ request }) => {
      // Unknown API paths keep the answer they had before the panel existed.
      if (new URL(request.url).pathname.startsWith(`${PREFIX}/v1/`)) return new Response("NOT_FOUND", { status: 404 });
      return c.errorPage(404, "There is no such page.");
    }, HIDDEN);
}
