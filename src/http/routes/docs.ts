// GET /openapi.json, /postman.json and /swagger (Swagger UI with its assets served from
// swagger-ui-dist, no CDN). Public, like the reference page we emulate. The documents are
// generated from the live app's routes on first use, with this server as their base URL.
import { Elysia } from "elysia";
import { buildGatewayOpenApi } from "../openapi/gateway.ts";
import { memoByRoutes } from "../../openapi/generate.ts";
import { toPostman } from "../../openapi/postman.ts";
import { originOf, swaggerAsset, swaggerHtml } from "../../openapi/swagger-ui.ts";

export function docsRoutes(opts: { headerPrefix: string }) {
  const plugin = new Elysia({ name: "docs" });
  const base = memoByRoutes(plugin, () => buildGatewayOpenApi(plugin, { headerPrefix: opts.headerPrefix }));
  const served = (request: Request) => ({ ...base(), servers: [{ url: originOf(request), description: "This gateway" }] });
  const page = swaggerHtml({
    title: "Sluice gateway API",
    specUrl: "/openapi.json",
    assetBase: "/swagger",
    downloads: [
      { label: "OpenAPI 3.1 spec", href: "/openapi.json" },
      { label: "Postman collection", href: "/postman.json" },
    ],
  });

  return plugin
    .get("/openapi.json", ({ request }) => served(request), {
      detail: { summary: "OpenAPI 3.1 document", tags: ["Docs"] },
    })
    .get("/postman.json", ({ request }) => toPostman(served(request)), {
      detail: { summary: "Postman collection (v2.1)", tags: ["Docs"] },
    })
    .get(
      "/swagger",
      ({ set }) => {
        set.headers["content-type"] = "text/html; charset=utf-8";
        return page;
      },
      { detail: { summary: "Swagger UI", tags: ["Docs"] } },
    )
    .get(
      "/swagger/:file",
      ({ params, set }) => {
        const asset = swaggerAsset(params.file);
        if (asset) return asset;
        set.status = 404;
        return { error: { message: `No asset ${params.file}.`, type: "invalid_request_error", param: null, code: "unknown_route" } };
      },
      { detail: { hide: true } },
    );
}
