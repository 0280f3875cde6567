// The user dashboard on the gateway port, under /app: sign-up and sign-in, API keys,
// billing with QRIS, usage. Server-rendered HTML ("Web console" in README.md).
//
// Mounted before the gateway's JSON body parser and error handler (src/http/app.ts), so
// form posts are read by readForm and errors come back as HTML pages, not API errors.
import { Elysia } from "elysia";
import { serveAsset } from "../kit/assets.ts";
import { FormError, redirect } from "../kit/http.ts";
import { HIDDEN } from "../kit/routes.ts";
import { authPages } from "./auth-pages.ts";
import { billingPages } from "./billing-page.ts";
import { Dashboard, PageError, PREFIX, type DashboardDeps } from "./core.ts";
import { keysPages } from "./keys-page.ts";
import { usagePages } from "./usage-page.ts";

export type { DashboardDeps } from "./core.ts";

export function webDashboard(deps: DashboardDeps) {
  const d = new Dashboard(deps);
  return new Elysia()
    .onError(({ error, code }) => {
      if (error instanceof PageError || error instanceof FormError) return d.errorPage(error.status, error.message);
      if (code === "NOT_FOUND") return d.errorPage(404, "There is no such page.");
      if (code === "VALIDATION" || code === "PARSE") return d.errorPage(400, "The request was not understood.");
      console.error("[sluice-web] dashboard error:", error);
      return d.errorPage(500, "Something went wrong on our side. Please try again.");
    })
    .get(PREFIX, () => redirect(`${PREFIX}/keys`), HIDDEN)
    .get(`${PREFIX}/`, () => redirect(`${PREFIX}/keys`), HIDDEN)
    .get(`${PREFIX}/assets/:file`, ({ params }) => serveAsset(params.file), HIDDEN)
    .use(authPages(d))
    .use(keysPages(d))
    .use(billingPages(d))
    .use(usagePages(d))
    .all(`${PREFIX}/*`, ({ request }) => d.errorPage(404, "There is no such page."), HIDDEN);
}
