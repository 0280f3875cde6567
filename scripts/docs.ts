// `npm run docs`: writes openapi/openapi.json, openapi/admin.json and postman/collection.json
// from the route schemas. `npm run docs -- --check` writes nothing and exits 1 when a committed
// file differs from what the code generates (the drift test does the same comparison).
//
// The apps are built with docs-only dependencies: generating a document reads route
// metadata and never runs a handler, so no database, hot store or upstream is needed and the
// output does not depend on the machine's environment.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { createGatewayApp, type GatewayDeps } from "../src/http/app.ts";
import { buildGatewayOpenApi } from "../src/http/openapi/gateway.ts";
import { buildAdminOpenApi } from "../admin/openapi/document.ts";
import { toPostman } from "../src/openapi/postman.ts";
import { Elysia } from "elysia";
import { createAdminApp, type AdminDeps } from "../admin/app.ts";
import { opsRoutes } from "../admin/routes/ops.ts";

export const ROOT = join(dirname(new URL(import.meta.url).pathname), "..");

export const DOC_FILES = ["openapi/openapi.json", "openapi/admin.json", "postman/collection.json"] as const;
export type DocFile = (typeof DOC_FILES)[number];

/** A function that fails loudly if anything touches it (a dependency used at build time). */
function unusable(name: string): unknown {
  const fail = (): never => {
    throw new Error(`docs generation touched ${name}: route factories must not use their dependencies until a request comes`);
  };
  return new Proxy(fail, {
    get: (_t, key) => (typeof key === "symbol" || key === "then" ? undefined : fail()),
    apply: fail,
    construct: fail,
  });
}

/**
 * The app factories' dependencies with only `real` filled in. New dependencies added to
 * GatewayDeps/AdminDeps need no change here unless a factory calls them while building.
 */
function docsOnlyDeps<T extends object>(what: string, real: Partial<T>): T {
  const proxy = new Proxy(real, {
    get: (target, key) => (key in target ? Reflect.get(target, key) : typeof key === "symbol" ? undefined : unusable(`${what}.${key}`)),
  });
  // The proxy answers every property T has, with the real value or a tripwire.
  return proxy as T;
}

export function renderDocs(): Record<DocFile, string> {
  // Empty environment: the committed files must not depend on who runs the script.
  const config = loadConfig({});
  const gateway = createGatewayApp(docsOnlyDeps<GatewayDeps>("gateway deps", { config, startedAt: 0 }));
  // The admin port as startSluice assembles it: the admin API plus the ops routes beside it.
  const admin = new Elysia()
    .use(createAdminApp(docsOnlyDeps<AdminDeps>("admin deps", {})))
    .use(opsRoutes(docsOnlyDeps<Parameters<typeof opsRoutes>[0]>("ops deps", {})));
  const gatewayDoc = buildGatewayOpenApi(gateway, { headerPrefix: config.headerPrefix });
  const text = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  return {
    "openapi/openapi.json": text(gatewayDoc),
    "openapi/admin.json": text(buildAdminOpenApi(admin)),
    "postman/collection.json": text(toPostman(gatewayDoc)),
  };
}

/** Committed files that differ from what the code generates now. */
export async function staleDocs(): Promise<DocFile[]> {
  const fresh = renderDocs();
  const stale: DocFile[] = [];
  for (const file of DOC_FILES) {
    const committed = await readFile(join(ROOT, file), "utf8").catch(() => null);
    if (committed !== fresh[file]) stale.push(file);
  }
  return stale;
}

if (import.meta.main) {
  if (process.argv.includes("--check")) {
    const stale = await staleDocs();
    if (stale.length > 0) {
      console.error(`out of date: ${stale.join(", ")}; run npm run docs`);
      process.exit(1);
    }
    console.log("docs are up to date");
  } else {
    const fresh = renderDocs();
    for (const file of DOC_FILES) {
      await mkdir(dirname(join(ROOT, file)), { recursive: true });
      await writeFile(join(ROOT, file), fresh[file]);
      console.log(`wrote ${file}`);
    }
  }
}
