// Invariant 4 (ARCHITECTURE.md section 7): limits hold across instances sharing one Redis.
// Three gateway instances (same Postgres, Redis and key prefix) take requests round-robin:
// RPM is exact, concurrency is exact as the upstream sees it, and a small balance cannot be
// overdrawn by more than the holds that were in flight.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import Redis from "ioredis";
import { servicesMode, startHarness, type Harness } from "../helpers/harness.ts";
import { startSluice, type Sluice } from "../../src/server.ts";
import { deleteRedisPrefix, ledgerRows, pgBalance, pollUntil, sum } from "./helpers.ts";
import { redisUserKey } from "../../src/store/redis/redis-store.ts";

let h: Harness;
let instances: Sluice[] = [];
let redis: Redis;
/** A pass-through in front of the OpenAI mock that counts requests in flight at the upstream. */
let counter: { url: string; inflight: number; maxInflight: number; total: number; stop(): void };

function startCounter(target: string): typeof counter {
  const state = { inflight: 0, maxInflight: 0, total: 0 };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 60,
    async fetch(req) {
      state.inflight++;
      state.total++;
      state.maxInflight = Math.max(state.maxInflight, state.inflight);
      try {
        const url = new URL(req.url);
        const res = await fetch(`${target}${url.pathname}`, { method: req.method, headers: req.headers, body: await req.text() });
        const body = await res.text();
        return new Response(body, { status: res.status, headers: res.headers });
      } finally {
        state.inflight--;
      }
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    get inflight() {
      return state.inflight;
    },
    get total() {
      return state.total;
    },
    get maxInflight() {
      return state.maxInflight;
    },
    set maxInflight(v: number) {
      state.maxInflight = v;
    },
    stop: () => void server.stop(true),
  };
}

// Needs the real Postgres and Redis (SLUICE_TEST_STORAGE=services); skipped otherwise.
describe.skipIf(!servicesMode)("limits across 3 instances sharing one Redis", () => {
  beforeAll(async () => {
    h = await startHarness();
    counter = startCounter(h.openai.url);
    const config = { ...h.config, providers: { ...h.config.providers, openai: { ...h.config.providers.openai, baseUrl: `${counter.url}/v1` } } };
    instances = await Promise.all([0, 1, 2].map(() => startSluice(config, { ephemeralPorts: true })));
    redis = new Redis(h.config.redisUrl!);
  }, 30_000);
  afterAll(async () => {
    await Promise.all(instances.map((s) => s.stop()));
    redis?.disconnect();
    counter?.stop();
    await h?.stop();
    if (h) await deleteRedisPrefix(h.config.redisUrl!, h.config.redisPrefix);
  }, 30_000);

  async function newKey(userId: string, body: Record<string, unknown>): Promise<string> {
    const res = await h.admin(`/users/${userId}/keys`, { body });
    expect(res.status).toBe(201);
    return String(res.json.key);
  }

  function clients(key: string): OpenAI[] {
    return instances.map((s) => new OpenAI({ baseURL: `${s.gatewayUrl}/v1`, apiKey: key, maxRetries: 0 }));
  }

  /** Small max_tokens keeps the balance hold (max output x price) from being the limit that bites. */
  async function call(client: OpenAI, content: string, extra: Record<string, unknown> = { max_tokens: 100 }): Promise<{ status: number; retryAfter: string | null }> {
    try {
      await client.chat.completions.create({ model: "gpt-5.5", messages: [{ role: "user", content }], ...extra });
      return { status: 200, retryAfter: null };
    } catch (err) {
      if (err instanceof OpenAI.APIError && err.status !== undefined) return { status: err.status, retryAfter: err.headers?.get("retry-after") ?? null };
      throw err;
    }
  }

  test("rpm=10 across 3 instances: 30 requests -> exactly 10 succeed, 20 get 429 with retry-after", async () => {
    const { userId } = await h.newUser(100);
    const cs = clients(await newKey(userId, { rpm: 10 }));
    const upstreamBefore = counter.total;
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => call(cs[i % 3]!, `rpm ${i} [[mock:usage=10,2]]`)));
    const ok = results.filter((r) => r.status === 200);
    const limited = results.filter((r) => r.status === 429);
    expect(ok).toHaveLength(10);
    expect(limited).toHaveLength(20);
    // Only the admitted ones reached the upstream.
    expect(counter.total - upstreamBefore).toBe(10);
    // The window frees up when the oldest admitted request is 60 s old: about a minute from now.
    for (const r of limited) {
      const s = Number(r.retryAfter);
      expect(Number.isInteger(s) && s >= 55 && s <= 60).toBe(true);
    }
    console.log(`[multi] rpm: ${ok.length} x 200, ${limited.length} x 429 (retry-after ${[...new Set(limited.map((r) => r.retryAfter))].join(",")} s)`);
  });

  test("concurrency=3 across 3 instances: 12 parallel slow requests -> never more than 3 at the upstream", async () => {
    const { userId } = await h.newUser(100);
    const cs = clients(await newKey(userId, { concurrency: 3 }));
    counter.maxInflight = 0;
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => call(cs[i % 3]!, `conc ${i} [[mock:delay=300]] [[mock:usage=10,2]]`)));
    const ok = results.filter((r) => r.status === 200).length;
    const limited = results.filter((r) => r.status === 429);
    expect(counter.maxInflight).toBe(3);
    expect(ok).toBe(3);
    expect(limited).toHaveLength(9);
    expect(limited.every((r) => r.retryAfter === "1")).toBe(true);
    // The leases are released: three more go through at once.
    const again = await Promise.all([0, 1, 2].map((i) => call(cs[i]!, `conc again ${i} [[mock:delay=100]]`)));
    expect(again.map((r) => r.status)).toEqual([200, 200, 200]);
    console.log(`[multi] concurrency: max ${counter.maxInflight} in flight at the upstream, ${ok} x 200, ${limited.length} x 429`);
  });

  /**
   * Bound asserted: admission only admits a request while balance - (holds in flight) >= its
   * hold, so the holds in flight never exceed the balance. Settlement replaces each hold by
   * the real cost. Hence final balance = start - sum(costs) >= -sum(max(0, cost - hold)); when
   * every cost is at most its hold the balance never goes below zero, and when the upstream
   * reports up to twice the held amount the overdraft stays within the holds in flight:
   * final >= -(sum of holds in flight).
   */
  async function overdraft(label: string, usage: string): Promise<{ admitted: number; hold: bigint; cost: bigint; start: bigint; final: bigint }> {
    const start = 900_000n; // 0.9 credits
    const { userId } = await h.newUser(0.9);
    const cs = clients(await newKey(userId, { concurrency: 50 }));
    const holdsKey = redisUserKey(h.config.redisPrefix, "holds", userId, h.config.ledgerShards);
    const N = 16;
    // Identical bodies (fixed-width index) so every request holds the same amount.
    const pending = Array.from({ length: N }, (_, i) =>
      call(cs[i % 3]!, `overdraft ${label} ${String(i).padStart(2, "0")} [[mock:delay=600]] [[mock:usage=${usage}]]`, { max_tokens: 400 }),
    );
    const done: { status: number }[] = [];
    for (const p of pending) void p.then((r) => done.push(r));
    // Sample the holds while the admitted requests wait on the slow upstream and the others were refused.
    const holds = await pollUntil(`${label}: refusals back, holds in flight`, async () => {
      const all = await redis.hgetall(holdsKey);
      const each = Object.entries(all).filter(([k]) => k.startsWith("r:")).map(([, v]) => BigInt(v));
      return each.length > 0 && done.length === N - each.length && counter.inflight === each.length ? each : null;
    });
    const results = await Promise.all(pending);
    const admitted = results.filter((r) => r.status === 200).length;
    const refused = results.filter((r) => r.status === 402).length;
    expect(admitted + refused).toBe(N);
    expect(admitted).toBe(holds.length);
    const hold = holds[0]!;
    expect(holds.every((x) => x === hold)).toBe(true);
    // The admission invariant itself: the holds in flight fit in the balance, and one more would not.
    expect(sum(holds)).toBeLessThanOrEqual(start);
    expect(BigInt(admitted) * hold + hold).toBeGreaterThan(start);

    const rows = await pollUntil(`${label}: ledger flushed`, async () => {
      const r = await ledgerRows(h.sluice.database, userId, "usage");
      return r.length === admitted && (await h.sluice.store.ledgerLag(Date.now())).pending === 0 ? r : null;
    });
    const cost = -rows[0]!.amount_micro;
    expect(rows.every((r) => -r.amount_micro === cost)).toBe(true);
    const final = await pgBalance(h.sluice.database, userId);
    expect(final).toBe(start - BigInt(admitted) * cost);
    expect(await h.sluice.store.getBalance(userId)).toBe(final);
    expect(final).toBeGreaterThanOrEqual(-sum(holds));
    return { admitted, hold, cost, start, final };
  }

  test("overdraft: 16 parallel requests on 0.9 credits over 3 instances stay within the holds in flight", async () => {
    // Honest upstream: the real cost (30 x 200 + 100 x 600 = 66 000) is below the hold.
    const honest = await overdraft("honest", "30,100");
    expect(honest.cost).toBe(66_000n);
    expect(honest.final).toBeGreaterThanOrEqual(0n);
    // The upstream reports far more input than the request had (2000 x 200 + 100 x 600 = 460 000,
    // more than the hold but less than twice it): the balance goes negative, within the bound.
    const greedy = await overdraft("greedy", "2000,100");
    expect(greedy.cost).toBe(460_000n);
    expect(greedy.cost).toBeGreaterThan(greedy.hold);
    expect(greedy.final).toBeLessThan(0n);
    console.log(
      `[multi] overdraft: hold ${honest.hold} micro, ${honest.admitted}/16 admitted on ${honest.start}; honest final ${honest.final}; ` +
        `greedy final ${greedy.final} >= -(holds in flight) ${-BigInt(greedy.admitted) * greedy.hold}`,
    );
  }, 20_000);
});
