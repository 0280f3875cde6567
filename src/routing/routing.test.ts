import { describe, expect, test } from "bun:test";
import type { Deployment } from "./catalog.ts";
import { Cooldowns } from "./cooldown.ts";
import { dispatch, DEFAULT_POLICY, type DispatchPolicy } from "./dispatch.ts";
import { backoffMs, isRetryableStatus, retryAfterMs } from "./retry.ts";
import { orderDeployments } from "./select.ts";

const dep = (id: string, priority = 0, weight = 1): Deployment => ({
  id,
  priority,
  weight,
  upstreamModel: id,
  provider: { id: "p", kind: "openai", baseUrl: `http://${id}.invalid/v1`, apiKey: "k" },
});

describe("orderDeployments", () => {
  test("higher priority first, cooled-down last", () => {
    const list = [dep("a", 0), dep("b", 10), dep("c", 5)];
    expect(orderDeployments(list, () => true).map((d) => d.id)).toEqual(["b", "c", "a"]);
    expect(orderDeployments(list, (d) => d.id !== "b").map((d) => d.id)).toEqual(["c", "a", "b"]);
  });
  test("weight decides who leads within a priority group", () => {
    const list = [dep("light", 0, 1), dep("heavy", 0, 3)];
    let heavyFirst = 0;
    let seed = 1;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    for (let i = 0; i < 4000; i++) if (orderDeployments(list, () => true, random)[0]!.id === "heavy") heavyFirst++;
    expect(heavyFirst / 4000).toBeGreaterThan(0.7);
    expect(heavyFirst / 4000).toBeLessThan(0.8);
  });
});

describe("retry rules", () => {
  test.each([
    [408, true], [409, true], [429, true], [500, true], [503, true], [529, true],
    [400, false], [401, false], [403, false], [404, false], [413, false], [422, false],
  ])("status %p retryable: %p", (status, expected) => expect(isRetryableStatus(status)).toBe(expected));

  test.each([
    [{ "retry-after-ms": "1500" }, 1500],
    [{ "retry-after": "2" }, 2000],
    [{ "retry-after": "0.5" }, 500],
    [{ "retry-after": new Date(10_000).toUTCString() }, 10_000],
    [{ "retry-after": "soon" }, null],
    [{}, null],
  ] as const)("retryAfterMs(%p)", (h, expected) => expect(retryAfterMs(new Headers(h), 0)).toBe(expected));

  test("backoff grows and is capped", () => {
    expect(backoffMs(0, 200, 2000, () => 0.999)).toBe(199);
    expect(backoffMs(3, 200, 2000, () => 0.999)).toBe(1598);
    expect(backoffMs(10, 200, 2000, () => 0.999)).toBe(1998);
  });
});

describe("Cooldowns", () => {
  test("opens after the threshold, half-opens for one probe, closes on success", () => {
    let now = 0;
    const c = new Cooldowns(null, { threshold: 2, baseMs: 1000, maxMs: 10_000 }, () => now);
    c.failure("d");
    expect(c.available("d")).toBe(true);
    c.failure("d");
    expect(c.available("d")).toBe(false);
    now = 1000;
    expect(c.available("d")).toBe(true); // the probe
    expect(c.available("d")).toBe(false); // only one at a time
    c.success("d");
    expect(c.available("d")).toBe(true);
    expect(c.view()[0]!.state).toBe("closed");
  });
  test("a failed probe reopens for longer", () => {
    let now = 0;
    const c = new Cooldowns(null, { threshold: 1, baseMs: 1000, maxMs: 10_000 }, () => now);
    c.failure("d");
    now = 1000;
    expect(c.available("d")).toBe(true);
    c.failure("d");
    now = 2500;
    expect(c.available("d")).toBe(false);
    now = 3000;
    expect(c.available("d")).toBe(true);
  });
});

type Step = number | "reset" | "hang";

function fakeFetch(plan: Record<string, Step[]>, calls: string[]): typeof fetch {
  return (async (url: string | URL | Request, init?: RequestInit) => {
    const host = new URL(String(url)).hostname.split(".")[0]!;
    calls.push(host);
    const step = plan[host]!.shift() ?? 200;
    if (step === "reset") throw new TypeError("connection reset");
    if (step === "hang") {
      return new Promise<Response>((_, reject) => init?.signal?.addEventListener("abort", () => reject(new Error("aborted"))));
    }
    return new Response(JSON.stringify({ error: { message: "x" } }), { status: step, headers: step === 429 ? { "retry-after-ms": "5" } : {} });
  }) as typeof fetch;
}

const fast: DispatchPolicy = { ...DEFAULT_POLICY, backoffBaseMs: 1, backoffCapMs: 2, firstByteTimeoutMs: 50 };

describe("dispatch", () => {
  const cases: { name: string; plan: Record<string, Step[]>; ok: boolean; calls: string[]; status?: number }[] = [
    { name: "first try succeeds", plan: { a: [200], b: [] }, ok: true, calls: ["a"] },
    { name: "a 500 is retried on the same deployment", plan: { a: [500, 200], b: [] }, ok: true, calls: ["a", "a"] },
    { name: "twice 503 falls back to the next deployment", plan: { a: [503, 503], b: [200] }, ok: true, calls: ["a", "a", "b"] },
    { name: "connection reset is retried", plan: { a: ["reset", 200], b: [] }, ok: true, calls: ["a", "a"] },
    { name: "429 honours retry-after and retries", plan: { a: [429, 200], b: [] }, ok: true, calls: ["a", "a"] },
    { name: "a client error is not retried anywhere", plan: { a: [400], b: [200] }, ok: false, calls: ["a"], status: 400 },
    { name: "hanging before headers times out and falls back", plan: { a: ["hang", "hang"], b: [200] }, ok: true, calls: ["a", "a", "b"] },
    { name: "everything fails: the last failure is returned", plan: { a: [500, 500], b: [502, 502] }, ok: false, calls: ["a", "a", "b", "b"], status: 502 },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const calls: string[] = [];
      const r = await dispatch({
        deployments: [dep("a"), dep("b")],
        prepare: (d) => ({ url: `${d.provider.baseUrl}/chat/completions`, headers: {}, body: "{}" }),
        fetch: fakeFetch(c.plan, calls),
        cooldowns: new Cooldowns(null, { threshold: 10, baseMs: 1000, maxMs: 1000 }),
        policy: fast,
      });
      expect(r.ok).toBe(c.ok);
      expect(calls).toEqual(c.calls);
      if (!r.ok && c.status) expect(r.failure.kind === "status" && r.failure.status).toBe(c.status);
    });
  }
  test("a cooled-down deployment is skipped while another remains", async () => {
    const cooldowns = new Cooldowns(null, { threshold: 1, baseMs: 60_000, maxMs: 60_000 });
    cooldowns.failure("a");
    const calls: string[] = [];
    const r = await dispatch({
      deployments: [dep("a"), dep("b")],
      prepare: (d) => ({ url: `${d.provider.baseUrl}/x`, headers: {}, body: "{}" }),
      fetch: fakeFetch({ a: [200], b: [200] }, calls),
      cooldowns,
      policy: fast,
    });
    expect(r.ok && r.deployment.id).toBe("b");
    expect(calls).toEqual(["b"]);
  });
  test("a retry-after longer than the budget is not waited for", async () => {
    const calls: string[] = [];
    const started = Date.now();
    const r = await dispatch({
      deployments: [dep("a")],
      prepare: (d) => ({ url: `${d.provider.baseUrl}/x`, headers: {}, body: "{}" }),
      fetch: (async () => {
        calls.push("a");
        return new Response("{}", { status: 429, headers: { "retry-after": "120" } });
      }) as unknown as typeof fetch,
      cooldowns: new Cooldowns(null),
      policy: { ...fast, budgetMs: 1000 },
    });
    expect(r.ok).toBe(false);
    expect(calls).toEqual(["a"]);
    expect(Date.now() - started).toBeLessThan(500);
    expect(!r.ok && r.retryAfterMs).toBe(120_000);
  });
});
