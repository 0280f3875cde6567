// Redis restarted empty under a running gateway: keys and balances come back from Postgres
// by themselves, and the balance is the one Postgres and the unflushed ledger say.
import { afterAll, beforeAll, expect, test } from "bun:test";
import Redis from "ioredis";
import OpenAI from "openai";
import { startHarness, type Harness } from "../helpers/harness.ts";

let h: Harness;
let redis: Redis;

beforeAll(async () => {
  h = await startHarness({ HOT_STORE_CHECK_MS: "100" });
  redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
}, 60_000);
afterAll(async () => {
  redis.disconnect();
  await h.stop();
}, 60_000);

async function wipePrefix(prefix: string): Promise<number> {
  let cursor = "0";
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) n += await redis.del(...keys);
  } while (cursor !== "0");
  return n;
}

test("after the hot store loses everything, keys work again and balances are rebuilt", async () => {
  const u = await h.newUser(50);
  const client = new OpenAI({ baseURL: `${h.sluice.gatewayUrl}/v1`, apiKey: u.key, maxRetries: 0 });
  await client.chat.completions.create({ model: "gpt-5.5", max_tokens: 100, messages: [{ role: "user", content: "x [[mock:usage=100,100]]" }] });
  await h.sluice.flusher.drain();
  const pgBalance = (await h.sluice.database.rows<{ b: string }>("select balance_micro::text as b from users where id = $1", [u.userId]))[0]!.b;
  expect(pgBalance).toBe(String(50_000_000 - 80_000));

  expect(await wipePrefix(h.config.redisPrefix)).toBeGreaterThan(0);
  // A key no instance has cached yet proves the records themselves came back.
  const fresh = await h.newUser(5);
  await wipePrefix(h.config.redisPrefix);
  const freshClient = new OpenAI({ baseURL: `${h.sluice.gatewayUrl}/v1`, apiKey: fresh.key, maxRetries: 0 });
  const deadline = Date.now() + 5000;
  let ok = false;
  while (!ok && Date.now() < deadline) {
    await Bun.sleep(250);
    ok = await h.sluice.store.getKey((await import("../../src/store/keys.ts")).hashApiKey(fresh.key)).then((r) => r !== null);
  }
  expect(ok).toBe(true);
  expect((await freshClient.chat.completions.create({ model: "gpt-5.4-mini", max_tokens: 10, messages: [{ role: "user", content: "x" }] })).model).toBe("gpt-5.4-mini");
  const bal = (await (await fetch(`${h.sluice.gatewayUrl}/v1/balance`, { headers: { authorization: `Bearer ${u.key}` } })).json()) as { balance_credits: number };
  expect(bal.balance_credits).toBe(49.92);
}, 30_000);

test("the admin reconcile adds unflushed entries to the Postgres balance", async () => {
  const u = await h.newUser(10);
  await h.sluice.flusher.stop();
  const client = new OpenAI({ baseURL: `${h.sluice.gatewayUrl}/v1`, apiKey: u.key, maxRetries: 0 });
  await client.chat.completions.create({ model: "gpt-5.5", max_tokens: 100, messages: [{ role: "user", content: "x [[mock:usage=100,100]]" }] });
  // Corrupt the hot balance, as a restore from an old snapshot would.
  await h.sluice.store.setBalance(u.userId, 1n);
  const res = await h.admin("/reconcile", { body: {} });
  expect(res.status).toBe(200);
  const fix = (res.json.adjusted as { user_id: string; after_micro: number }[]).find((f) => f.user_id === u.userId);
  expect(fix?.after_micro).toBe(10_000_000 - 80_000);
  expect(await h.sluice.store.getBalance(u.userId)).toBe(10_000_000n - 80_000n);
  h.sluice.flusher.start();
});
