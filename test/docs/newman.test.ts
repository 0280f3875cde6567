// Runs the Postman collection the gateway serves (GET /postman.json) with newman against a
// running gateway with mock upstreams: every request must answer its documented success
// status (each request's own test script asserts it).
//
// Left out of the run, by this rule only (needsSpecialSetup below), because a fresh gateway
// cannot answer them with a success: payment webhooks (/webhooks/*: need a payment
// provider's signature), billing (/v1/billing/*: need a payment provider), and requests with a
// path parameter (they name something that must be created first, e.g. a request id).
// Admin endpoints are in a separate document and collection, not in this one.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import newman, { type NewmanRunOptions, type NewmanRunSummary } from "newman";
import { startHarness, type Harness } from "../helpers/harness.ts";
import { isObject, type Json, type JsonObject } from "../../src/openapi/json.ts";

let h: Harness;
let key: string;

// A whole Sluice (embedded Postgres, migrations, catalog) takes seconds to start on a busy machine.
beforeAll(async () => {
  h = await startHarness();
  key = (await h.newUser(100)).key;
}, 60_000);
afterAll(() => h.stop());

export function needsSpecialSetup(item: JsonObject): string | null {
  const request = isObject(item.request) ? item.request : {};
  const url = isObject(request.url) ? request.url : {};
  const path = Array.isArray(url.path) ? url.path.map(String) : [];
  const joined = `/${path.join("/")}`;
  if (joined.startsWith("/webhooks/")) return "payment webhook: needs a provider signature";
  if (joined.startsWith("/v1/billing/")) return "billing: needs a payment provider";
  if (path.some((segment) => segment.startsWith(":"))) return "path parameter: needs a resource created first";
  return null;
}

function splitCollection(collection: JsonObject): { run: JsonObject; excluded: string[]; kept: string[] } {
  const excluded: string[] = [];
  const kept: string[] = [];
  const folders: Json[] = [];
  for (const folder of Array.isArray(collection.item) ? collection.item : []) {
    if (!isObject(folder) || !Array.isArray(folder.item)) continue;
    const items = folder.item.filter((item): item is JsonObject => {
      if (!isObject(item)) return false;
      const reason = needsSpecialSetup(item);
      const name = `${String(folder.name)} / ${String(item.name)}`;
      if (reason) excluded.push(`${name} (${reason})`);
      else kept.push(name);
      return reason === null;
    });
    if (items.length > 0) folders.push({ ...folder, item: items });
  }
  return { run: { ...collection, item: folders }, excluded, kept };
}

function runNewman(collection: JsonObject, env: Record<string, string>): Promise<NewmanRunSummary> {
  return new Promise((resolve, reject) => {
    newman.run(
      {
        // Our JSON is a v2.1 collection definition, which newman's typings spell their own way.
        collection: collection as unknown as NewmanRunOptions["collection"],
        envVar: Object.entries(env).map(([key, value]) => ({ key, value })),
        reporters: [],
        timeoutRequest: 30_000,
      },
      (err, summary) => (err ? reject(err) : resolve(summary)),
    );
  });
}

describe("Postman collection under newman", () => {
  test("every request answers its documented status", async () => {
    const res = await fetch(`${h.sluice.gatewayUrl}/postman.json`);
    expect(res.status).toBe(200);
    const collection = (await res.json()) as JsonObject;
    const { run, excluded, kept } = splitCollection(collection);
    if (excluded.length > 0) console.log(`newman: left out by rule:\n  ${excluded.join("\n  ")}`);
    expect(kept.length).toBeGreaterThanOrEqual(8);

    const summary = await runNewman(run, { base_url: h.sluice.gatewayUrl, api_key: key });
    const lines = summary.run.executions.map((e) => {
      const failed = (e.assertions ?? []).filter((a) => a.error).map((a) => a.error?.message);
      const body = e.response?.stream ? e.response.stream.toString("utf8").slice(0, 300) : "";
      return `${e.item.name}: ${e.response?.code ?? "no response"}${failed.length ? ` FAILED ${failed.join("; ")} ${body}` : ""}`;
    });
    const failures = summary.run.failures.map((f) => `${f.source?.name ?? "?"}: ${f.error.message}`);
    if (failures.length > 0) throw new Error(`newman failures:\n${failures.join("\n")}\n\n${lines.join("\n")}`);
    expect(summary.run.executions.length).toBe(kept.length);
    expect(summary.run.stats.assertions.total).toBe(kept.length);
    expect(summary.run.stats.assertions.failed).toBe(0);
  }, 60_000);
});
