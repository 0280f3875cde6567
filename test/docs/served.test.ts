// What a running Sluice serves: the same documents as the committed files (only the server
// URL differs: the served ones name the server that answered), Swagger UI and its assets
// from the package (no CDN), and the admin docs on the admin port.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT } from "../../scripts/docs.ts";
import { startHarness, type Harness } from "../helpers/harness.ts";

let h: Harness;

// A whole Sluice (embedded Postgres, migrations, catalog) takes seconds to start on a busy machine.
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(() => h.stop());

async function committed(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(ROOT, file), "utf8")) as Record<string, unknown>;
}

async function served(url: string): Promise<{ status: number; type: string | null; json: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get("content-type"), json: (await res.json()) as Record<string, unknown> };
}

describe("served docs", () => {
  test("/openapi.json is the committed document, with this gateway as its server", async () => {
    const res = await served(`${h.sluice.gatewayUrl}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.type).toContain("application/json");
    expect(res.json.servers).toEqual([{ url: h.sluice.gatewayUrl, description: "This gateway" }]);
    const file = await committed("openapi/openapi.json");
    expect({ ...res.json, servers: null }).toEqual({ ...file, servers: null });
  });

  test("/postman.json is the committed collection, with this gateway as base_url", async () => {
    const res = await served(`${h.sluice.gatewayUrl}/postman.json`);
    expect(res.status).toBe(200);
    const file = await committed("postman/collection.json");
    const vars = res.json.variable as { key: string; value: string }[];
    expect(vars.find((v) => v.key === "base_url")?.value).toBe(h.sluice.gatewayUrl);
    const withoutBase = (c: Record<string, unknown>) => ({ ...c, variable: (c.variable as { key: string }[]).filter((v) => v.key !== "base_url") });
    expect(withoutBase(res.json)).toEqual(withoutBase(file));
  });

  test("the admin port serves the committed admin document, without a token", async () => {
    const res = await served(`${h.sluice.adminUrl}/admin/openapi.json`);
    expect(res.status).toBe(200);
    const file = await committed("openapi/admin.json");
    expect({ ...res.json, servers: null }).toEqual({ ...file, servers: null });
    const postman = await served(`${h.sluice.adminUrl}/admin/postman.json`);
    expect((postman.json.variable as { key: string }[]).map((v) => v.key)).toEqual(["base_url", "admin_token"]);
    // The docs are open; the API behind them is not.
    expect((await fetch(`${h.sluice.adminUrl}/admin/v1/users/usr_x`)).status).toBe(401);
  });

  test("/swagger is Swagger UI loading /openapi.json, with assets served locally", async () => {
    for (const [origin, base, spec] of [
      [h.sluice.gatewayUrl, "/swagger", "/openapi.json"],
      [h.sluice.adminUrl, "/admin/swagger", "/admin/openapi.json"],
    ] as const) {
      const page = await fetch(`${origin}${base}`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      const html = await page.text();
      expect(html).toContain(`"url":"${spec}"`);
      expect(html).not.toMatch(/https?:\/\//);
      for (const asset of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
        const res = await fetch(`${origin}${base}/${asset}`);
        expect(res.status).toBe(200);
        expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
      }
    }
  });

  test("only the listed Swagger UI files are served", async () => {
    for (const name of ["package.json", "..%2Fpackage.json", "index.html", "swagger-initializer.js"]) {
      expect((await fetch(`${h.sluice.gatewayUrl}/swagger/${name}`)).status).toBe(404);
      expect((await fetch(`${h.sluice.adminUrl}/admin/swagger/${name}`)).status).not.toBe(200);
    }
  });
});
