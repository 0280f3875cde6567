// The raw document, straight from the routes: @elysiajs/openapi's own generator (the one its
// plugin serves) run over an assembled app, plus the two things it gets wrong for us. Every
// route that exists is in it, so routes added later appear without touching this module.
import type { AnyElysia } from "elysia";
import { toOpenAPISchema } from "@elysiajs/openapi";
import { OptionalKind } from "@sinclair/typebox";
import { isObject, toJson, toJsonObject, type JsonObject } from "./json.ts";

export const OPENAPI_VERSION = "3.1.0";

interface RouteView {
  method: string;
  path: string;
  hooks?: { body?: unknown };
}

/**
 * All routes of the app a plugin is mounted in. Elysia types getGlobalRoutes as protected,
 * but it is public at runtime and is how @elysiajs/openapi itself sees the parent's routes.
 */
function globalRoutes(app: AnyElysia): RouteView[] {
  const reader = app as unknown as { getGlobalRoutes?: () => unknown };
  const routes = typeof reader.getGlobalRoutes === "function" ? reader.getGlobalRoutes() : app.routes;
  if (!Array.isArray(routes)) return [];
  return routes.filter((r): r is RouteView => isObject(r) && typeof r.method === "string" && typeof r.path === "string");
}

function openapiPath(elysiaPath: string): string {
  return elysiaPath.replace(/:([^/]+)/g, "{$1}");
}

export function generateRaw(app: AnyElysia): { paths: JsonObject; schemas: JsonObject } {
  // staticFile: false, or /openapi.json and /postman.json (a dot in the path) would vanish.
  const raw = toOpenAPISchema(app, { staticFile: false, methods: ["options", "head"] }, undefined, undefined, OPENAPI_VERSION);
  const paths = toJsonObject(raw.paths);
  const schemas = isObject(toJson(raw.components.schemas)) ? toJsonObject(raw.components.schemas) : {};

  for (const route of globalRoutes(app)) {
    const body = route.hooks?.body;
    if (body === undefined || body === null || typeof body !== "object") continue;
    const item = paths[openapiPath(route.path)];
    const op = isObject(item) ? item[route.method.toLowerCase()] : undefined;
    if (!isObject(op)) continue;
    const requestBody = isObject(op.requestBody) ? op.requestBody : {};
    const content = isObject(requestBody.content) ? requestBody.content : {};
    // Both apps take JSON only. The generator lists form encodings for plain routes and
    // nothing at all when the app has its own parser (the gateway's size-capped reader).
    const schema = isObject(content["application/json"]) ? content["application/json"].schema : toJson(body);
    // TypeBox marks t.Optional(...) with a symbol key; the generator ignores it and says required.
    const optional = (body as Record<symbol, unknown>)[OptionalKind] === "Optional";
    op.requestBody = {
      ...(typeof requestBody.description === "string" ? { description: requestBody.description } : {}),
      required: !optional,
      content: { "application/json": { schema } },
    };
  }
  return { paths, schemas };
}

/**
 * Memoizes a document per app, rebuilt when the app's route count changes: a docs route is
 * usually registered before the routes it documents, and the count is fixed once serving.
 */
export function memoByRoutes<T>(app: AnyElysia, build: () => T): () => T {
  let count = -1;
  let value: T | undefined;
  return () => {
    const now = globalRoutes(app).length;
    if (value === undefined || now !== count) {
      value = build();
      count = now;
    }
    return value;
  };
}
