// Probes, balance, admin basics, body limit, ledger: what an operator and a widget see.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { Elysia } from "elysia";
import { startHarness, type Harness } from "../helpers/harness.ts";
import { healthRoutes } from "../../src/http/routes/health.ts";

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ BODY_LIMIT_BYTES: String(64 * 1024) });
}, 60_000);
afterAll(() => h.stop(), 60_000);

const gw = (path: string, init?: RequestInit) => fetch(`${h.sluice.gatewayUrl}${path}`, init);

describe("probes", () => {
  test("healthz reports ok and uptime", async () => {
    const res = await gw("/healthz");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; uptimeSeconds: number };
    expect(body.status).toBe("ok");
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
  });
  test("readyz is 200 when everything answers", async () => {
    const res = await gw("/readyz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready" });
  });
  test("readyz is 503 when a dependency does not answer", async () => {
    const app = new Elysia().use(healthRoutes({ startedAt: Date.now(), ready: async () => false }));
    const res = await app.handle(new Request("http://localhost/readyz"));
    expect(res.status).toBe(503);
  });
});

describe("balance", () => {
  test("without a key: 200 and balance_usd null", async () => {
    const res = await gw("/v1/balance");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.balance_usd).toBeNull();
    expect(body.currency).toBe("USD");
  });
  test("with a key: the balance in USD and credits", async () => {
    const u = await h.newUser(250);
    const res = await gw("/v1/balance", { headers: { "x-api-key": u.key } });
    expect(await res.json()).toMatchObject({ balance_usd: 2.5, balance_credits: 250, currency: "USD" });
  });
});

describe("admin API", () => {
  test("needs the admin token", async () => {
    const res = await fetch(`${h.sluice.adminUrl}/admin/v1/users`, { method: "POST", headers: { authorization: "Bearer nope" } });
    expect(res.status).toBe(401);
  });
  test("user, key, credits and revocation", async () => {
    const created = await h.admin("/users", { body: { email: "ada@example.com", name: "Ada" } });
    expect(created.status).toBe(201);
    const id = String(created.json.id);
    const user = await h.admin(`/users/${id}`);
    expect(user.json).toMatchObject({ id, balance_credits: 200, balance_micro: 200_000_000, plan_id: null });

    const key = await h.admin(`/users/${id}/keys`, { body: { name: "ci" } });
    expect(String(key.json.key)).toMatch(/^sk-sluice-/);

    const credit = await h.admin(`/users/${id}/credits`, { body: { credits: 12.5, reason: "goodwill", idempotency_key: "k1" } });
    expect(credit.json).toMatchObject({ applied: true, balance_credits: 212.5 });
    const replay = await h.admin(`/users/${id}/credits`, { body: { credits: 12.5, reason: "goodwill", idempotency_key: "k1" } });
    expect(replay.json).toMatchObject({ applied: false, balance_credits: 212.5 });

    const client = new OpenAI({ baseURL: `${h.sluice.gatewayUrl}/v1`, apiKey: String(key.json.key), maxRetries: 0 });
    expect((await client.models.list()).data.length).toBe(18);
    expect((await h.admin(`/keys/${key.json.id}`, { method: "DELETE" })).status).toBe(200);
    const after = await client.models.list().catch((e: unknown) => e);
    expect(after).toBeInstanceOf(OpenAI.AuthenticationError);
  });
  test("unknown user is a 404", async () => {
    expect((await h.admin("/users/usr_nope")).status).toBe(404);
  });
});

describe("request limits and ledger", () => {
  test("a body over the limit is a 413 in the endpoint's format", async () => {
    const u = await h.newUser(10);
    const big = "x".repeat(70 * 1024);
    const res = await gw("/v1/messages", {
      method: "POST",
      headers: { "x-api-key": u.key, "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-sonnet-4.6", max_tokens: 5, messages: [{ role: "user", content: big }] }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "request_too_large" } });
  });

  test("malformed JSON is a 400 in the endpoint's format", async () => {
    const u = await h.newUser(10);
    const res = await gw("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${u.key}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: "invalid_request_error", code: "invalid_json" } });
  });

  test("every billed request becomes one ledger row in Postgres and moves the balance", async () => {
    const u = await h.newUser(100);
    const client = new OpenAI({ baseURL: `${h.sluice.gatewayUrl}/v1`, apiKey: u.key, maxRetries: 0 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { response } = await client.chat.completions
        .create({ model: "gpt-5.5", messages: [{ role: "user", content: "x [[mock:usage=20,10]]" }] })
        .withResponse();
      ids.push(response.headers.get("x-request-id")!);
    }
    await h.sluice.flusher.drain();
    const rows = await h.sluice.database.rows<{ event_id: string; amount_micro: string; input_tokens: number; output_tokens: number }>(
      "select event_id, amount_micro::text, input_tokens, output_tokens from ledger where user_id = $1 and kind = 'usage' order by id",
      [u.userId],
    );
    expect(rows.map((r) => r.event_id).sort()).toEqual([...ids].sort());
    for (const r of rows) expect([r.amount_micro, r.input_tokens, r.output_tokens]).toEqual(["-10000", 20, 10]);
    const pg = await h.sluice.database.rows<{ b: string }>("select balance_micro::text as b from users where id = $1", [u.userId]);
    expect(pg[0]!.b).toBe(String(100_000_000 - 30_000));
  });

  test("a key limited to some models gets a 403 for the others", async () => {
    const u = await h.newUser(10, { allowed_models: ["gpt-5.4-mini"] });
    const client = new OpenAI({ baseURL: `${h.sluice.gatewayUrl}/v1`, apiKey: u.key, maxRetries: 0 });
    const err = await client.chat.completions.create({ model: "gpt-5.5", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const ok = await client.chat.completions.create({ model: "gpt-5.4-mini", messages: [{ role: "user", content: "x" }] });
    expect(ok.model).toBe("gpt-5.4-mini");
  });

  test("a balance that cannot cover the worst case is a 402 that says how to fit", async () => {
    // 1 credit covers ~1600 output tokens of gpt-5.5 (600 credits/1M) but not its 128k default.
    const u = await h.newUser(1);
    const client = new OpenAI({ baseURL: `${h.sluice.gatewayUrl}/v1`, apiKey: u.key, maxRetries: 0 });
    const err = await client.chat.completions.create({ model: "gpt-5.5", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect((err as { status?: number }).status).toBe(402);
    expect((err as Error).message).toContain("max_tokens");
    const ok = await client.chat.completions.create({ model: "gpt-5.5", max_tokens: 1000, messages: [{ role: "user", content: "x" }] });
    expect(ok.choices[0]!.message.content).toBe("echo: x");
  });

  test("a key override of 0 never raises the plan's limit", async () => {
    const u = await h.newUser(10, { rpm: 0 });
    const client = new OpenAI({ baseURL: `${h.sluice.gatewayUrl}/v1`, apiKey: u.key, maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: "gpt-5.4-mini", messages: [{ role: "user", content: "x" }] }).withResponse();
    expect(response.headers.get("x-ratelimit-limit-requests")).toBe(String(h.config.defaultLimits.rpm));
  });

  test("rpm limit on a key gives 429 with retry-after", async () => {
    const u = await h.newUser(10, { rpm: 2 });
    const client = new OpenAI({ baseURL: `${h.sluice.gatewayUrl}/v1`, apiKey: u.key, maxRetries: 0 });
    const call = () => client.chat.completions.create({ model: "gpt-5.4-mini", messages: [{ role: "user", content: "x" }] });
    await call();
    await call();
    const err = await call().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const retryAfter = Number((err as InstanceType<typeof OpenAI.RateLimitError>).headers?.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });
});
