// Admin docs on ADMIN_PORT: GET /admin/openapi.json, /admin/postman.json and /admin/swagger.
// Unauthenticated: the port is private, and the document holds no secret (Swagger UI asks
// for the ADMIN_TOKEN only to try calls). The admin app lives under the /admin/v1 prefix,
// which Elysia forces onto every route of a plugin it uses, so these paths are answered in
// onRequest (which runs before routing, for every request of the server) instead.
import { Elysia } from "elysia";
import { buildAdminOpenApi } from "./document.ts";
import { memoByRoutes } from "../../src/openapi/generate.ts";
import { toPostman } from "../../src/openapi/postman.ts";
import { originOf, swaggerAsset, swaggerHtml } from "../../src/openapi/swagger-ui.ts";

const BASE = "/admin";

export function adminDocs() {
  const plugin = new Elysia({ name: "admin-docs" });
  const base = memoByRoutes(plugin, () => buildAdminOpenApi(plugin));
  const served = (request: Request) => ({ ...base(), servers: [{ url: originOf(request), description: "This admin server" }] });
  const page = swaggerHtml({
    title: "Sluice admin API",
    specUrl: `${BASE}/openapi.json`,
    assetBase: `${BASE}/swagger`,
    downloads: [
      { label: "OpenAPI 3.1 spec", href: `${BASE}/openapi.json` },
      { label: "Postman collection", href: `${BASE}/postman.json` },
    ],
  });

  return plugin.onRequest(({ request }) => {
    if (request.method !== "GET") return;
    const path = new URL(request.url).pathname;
    if (!path.startsWith(`${BASE}/`) || path.startsWith(`${BASE}/v1/`)) return;
    switch (path) {
      case `${BASE}/openapi.json`:
        return Response.json(served(request));
      case `${BASE}/postman.json`:
        return Response.json(toPostman(served(request), { keyVariable: "admin_token" }));
      case `${BASE}/swagger`:
        return new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } });
    }
    if (path.startsWith(`${BASE}/swagger/`)) return swaggerAsset(path.slice(`${BASE}/swagger/`.length)) ?? undefined;
  });
}
