// A price change on a running two-instance setup (one Postgres, one Redis) reaches both
// instances' in-memory catalogs within a second, through CATALOG_CHANNEL.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { servicesMode, startHarness, type Harness } from "../helpers/harness.ts";
import { startSluice, type Sluice } from "../../src/server.ts";

// Two embedded instances share nothing, so this only means something on the services pass
// (npm test runs *.services.test.ts there only; a direct `bun test` without them skips it).
let h: Harness;
let second: Sluice;
beforeAll(async () => {
  if (!servicesMode) return;
  h = await startHarness({ BILLING_JOB_INTERVAL_MS: "0", PROVIDER_KEY_SECRET: "test-provider-key-secret" });
  // Same config: same database, same Redis prefix; its own ports, catalog and caches.
  second = await startSluice(h.config, { ephemeralPorts: true });
});
afterAll(async () => {
  await second?.stop();
  await h?.stop();
});

async function priceOn(gatewayUrl: string, key: string): Promise<number | undefined> {
  const res = await fetch(`${gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
  const list = (await res.json()) as { data: { id: string; pricing: { input: number } }[] };
  return list.data.find((m) => m.id === "deepseek-v4-flash")?.pricing.input;
}

test.skipIf(!servicesMode)("both instances serve the new price within 1 s of the PATCH, and bill with it", async () => {
  expect(h.config.redisUrl).toBeDefined();
  const u = await h.newUser(100);
  expect(await priceOn(h.sluice.gatewayUrl, u.key)).toBe(10);
  expect(await priceOn(second.gatewayUrl, u.key)).toBe(10);

  const t0 = Date.now();
  const patched = await h.admin("/models/deepseek-v4-flash", { method: "PATCH", body: { input_price: 25 } });
  expect(patched.status).toBe(200);
  const seen = new Map<string, number>();
  while (seen.size < 2 && Date.now() - t0 < 1000) {
    for (const url of [h.sluice.gatewayUrl, second.gatewayUrl]) {
      if (!seen.has(url) && (await priceOn(url, u.key)) === 25) seen.set(url, Date.now() - t0);
    }
    await Bun.sleep(5);
  }
  expect(seen.size).toBe(2);
  for (const ms of seen.values()) expect(ms).toBeLessThan(1000);
  expect(second.catalog().get("deepseek-v4-flash")!.prices.input).toBe(25_000_000n);

  // A request on the other instance is billed at the new price: 1000 x 25 + 100 x 40 = 29,000 micro.
  const res = await fetch(`${second.gatewayUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${u.key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "deepseek-v4-flash", messages: [{ role: "user", content: "hi [[mock:usage=1000,100]]" }] }),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("x-sluice-cost-usd")).toBe("0.00029");
});
