// The admin API over real HTTP: catalog and prices, providers with encrypted keys, users,
// keys, plans, subscriptions, refunds, usage and the audit trail.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startBillingHarness, type BillingHarness } from "../billing/billing-harness.ts";

let b: BillingHarness;
beforeAll(async () => {
  b = await startBillingHarness("midtrans");
});
afterAll(() => b.stop());

const CREDIT = 1_000_000;

async function chat(key: string, model = "gpt-5.4-mini", content = "hi [[mock:usage=1000,100]]") {
  const res = await fetch(`${b.h.sluice.gatewayUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, max_tokens: 16, messages: [{ role: "user", content }] }),
  });
  await res.text();
  return res;
}

async function until(check: () => Promise<boolean>, ms = 1000): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await Bun.sleep(10);
  }
  return Date.now() - start;
}

describe("admin auth", () => {
  test("every route needs the bearer token", async () => {
    for (const path of ["/models", "/users", "/plans", "/audit", "/usage", "/providers"]) {
      const res = await fetch(`${b.h.sluice.adminUrl}/admin/v1${path}`, { headers: { authorization: "Bearer wrong" } });
      expect(res.status).toBe(401);
    }
  });
});

describe("models and prices", () => {
  test("a price change bumps the version, records history and audit, and applies within 1 s", async () => {
    const before = (await b.h.admin("/models/gpt-5.4-mini")).json as { version: number; input_price: number; output_price: number };
    expect(before).toMatchObject({ input_price: 16, output_price: 64 });
    const patched = await b.h.admin("/models/gpt-5.4-mini", { method: "PATCH", body: { input_price: 32, output_price: "128.5" } });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ input_price: 32, output_price: 128.5, version: before.version + 1, prices_micro: { input: 32 * CREDIT, output: 128_500_000 } });
    const u = await b.h.newUser(100);
    await until(async () => {
      const res = await fetch(`${b.h.sluice.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${u.key}` } });
      const list = (await res.json()) as { data: { id: string; pricing: { input: number } }[] };
      return list.data.find((m) => m.id === "gpt-5.4-mini")?.pricing.input === 32;
    });
    // 1000 x 32 + 100 x 128.5 credits per 1M = 44,850 micro-credits = $0.0004485
    expect((await chat(u.key)).headers.get("x-sluice-cost-usd")).toBe("0.0004485");
    const detail = (await b.h.admin("/models/gpt-5.4-mini")).json as { price_history: { version: number; input_price: number; actor: string }[] };
    // The seeded prices are the first entry of the history, the change the last.
    expect(detail.price_history[0]).toMatchObject({ version: before.version, input_price: 16, actor: "seed" });
    expect(detail.price_history.at(-1)).toMatchObject({ version: before.version + 1, input_price: 32 });
    const audit = (await b.h.admin("/audit?target=model:gpt-5.4-mini")).json.data as { action: string; actor: string; before: { inputPrice: string }; after: { inputPrice: string } }[];
    expect(audit[0]).toMatchObject({ action: "model.update", actor: "admin-token", before: { inputPrice: "16000000" }, after: { inputPrice: "32000000" } });
  });

  test("retiring a model takes it off the catalog; bad input is 400, unknown 404", async () => {
    const created = await b.h.admin("/models", { body: { id: "retire-me", class: "fast", context_window: 8000, max_output: 1000, input_price: 1, output_price: 2, flags: [] } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ cache_read_price: 0.1, cache_write_price: 1.25, version: 1 });
    expect((await b.h.admin("/models/retire-me", { method: "PATCH", body: { status: "retired" } })).json.status).toBe("retired");
    expect((await b.h.admin("/models/retire-me", { method: "PATCH", body: { input_price: "abc" } })).status).toBe(400);
    expect((await b.h.admin("/models/retire-me", { method: "PATCH", body: { input_price: -1 } })).status).toBe(400);
    expect((await b.h.admin("/models/nope", { method: "PATCH", body: { input_price: 1 } })).status).toBe(404);
    expect((await b.h.admin("/models", { body: { id: "retire-me", class: "fast", context_window: 1, max_output: 1, input_price: 1, output_price: 1 } })).status).toBe(409);
    const all = (await b.h.admin("/models")).json.data as { id: string; status: string }[];
    expect(all.find((m) => m.id === "retire-me")?.status).toBe("retired");
    const u = await b.h.newUser(1);
    await until(async () => {
      const list = (await (await fetch(`${b.h.sluice.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${u.key}` } })).json()) as { data: { id: string }[] };
      return !list.data.some((m) => m.id === "retire-me");
    });
  });
});

describe("providers", () => {
  test("an API key is stored encrypted, used for upstream calls, and never returned", async () => {
    const secret = "sk-custom-upstream-SECRET-123";
    const created = await b.h.admin("/providers", { body: { id: "custom", kind: "openai-compatible", base_url: `${b.h.openai.url}/v1`, api_key: secret } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: "custom", has_api_key: true });
    expect(JSON.stringify(created.json)).not.toContain(secret);
    const list = await fetch(`${b.h.sluice.adminUrl}/admin/v1/providers`, { headers: { authorization: "Bearer test-admin-token" } });
    expect(await list.text()).not.toContain(secret);
    const stored = await b.h.sluice.database.rows<{ api_key_enc: string }>("select api_key_enc from providers where id = 'custom'");
    expect(stored[0]!.api_key_enc).toStartWith("v1:");
    expect(stored[0]!.api_key_enc).not.toContain(secret);
    const audit = await b.h.sluice.database.rows<{ n: number }>("select count(*)::int as n from audit_log where before::text like $1 or after::text like $1", [`%${secret}%`]);
    expect(audit[0]!.n).toBe(0);

    expect((await b.h.admin("/models", { body: { id: "custom-model", class: "fast", context_window: 8000, max_output: 1000, input_price: 1, output_price: 1 } })).status).toBe(201);
    expect((await b.h.admin("/deployments", { body: { model_id: "custom-model", provider_id: "custom", upstream_model: "gpt-4o-mini" } })).status).toBe(201);
    const u = await b.h.newUser(10);
    await until(async () => (await chat(u.key, "custom-model")).status === 200);
    expect(b.h.openai.requests.at(-1)!.headers.authorization).toBe(`Bearer ${secret}`);

    // Rotating the key applies too; the old one is gone.
    expect((await b.h.admin("/providers/custom", { method: "PATCH", body: { api_key: "sk-rotated" } })).status).toBe(200);
    await until(async () => {
      await chat(u.key, "custom-model");
      return b.h.openai.requests.at(-1)!.headers.authorization === "Bearer sk-rotated";
    });
    expect((await b.h.admin("/providers/missing", { method: "PATCH", body: { api_key: "x" } })).status).toBe(404);
    expect((await b.h.admin("/providers", { body: { id: "bad", kind: "carrier-pigeon", base_url: "http://x" } })).status).toBe(400);
  });
});

describe("users and keys", () => {
  test("users can be searched by email, name or id", async () => {
    const created = await b.h.admin("/users", { body: { email: "findme-7f3a@example.com", name: "Ayu" } });
    const found = (await b.h.admin("/users?search=findme-7f3a")).json.data as { id: string }[];
    expect(found.map((u) => u.id)).toEqual([String(created.json.id)]);
    expect(((await b.h.admin(`/users?search=${created.json.id}`)).json.data as unknown[]).length).toBe(1);
    expect(((await b.h.admin("/users?search=%25")).json.data as unknown[]).length).toBe(0);
  });

  test("per-key limits and allowlist apply at once; overrides never raise the plan's limits", async () => {
    const u = await b.h.newUser(50);
    const patched = await b.h.admin(`/keys/${u.keyId}`, { method: "PATCH", body: { rpm: 5, allowed_models: ["gpt-5.4-mini"] } });
    expect(patched.json).toMatchObject({ rpm: 5, allowed_models: ["gpt-5.4-mini"] });
    expect((await chat(u.key)).headers.get("x-sluice-rpm-remaining")).toBe("4");
    expect((await chat(u.key, "deepseek-v4-pro")).status).toBe(403);
    await b.h.admin(`/keys/${u.keyId}`, { method: "PATCH", body: { rpm: 100_000, allowed_models: null } });
    // Capped by the default plan's 600; the refused 403 was never admitted, so two requests count.
    expect((await chat(u.key, "deepseek-v4-pro")).headers.get("x-sluice-rpm-remaining")).toBe("598");
    const keys = (await b.h.admin(`/users/${u.userId}/keys`)).json.data as { id: string; rpm: number }[];
    expect(keys).toEqual([expect.objectContaining({ id: u.keyId, rpm: 100_000 })]);
    expect((await b.h.admin(`/keys/${u.keyId}`, { method: "DELETE" })).json.status).toBe("revoked");
    expect((await chat(u.key)).status).toBe(401);
  });
});

describe("plans and subscriptions", () => {
  test("plans are seeded; a plan change applies to its users' keys at once", async () => {
    const plans = (await b.h.admin("/plans")).json.data as { id: string; price_idr: number; is_trial: boolean; period_days: number }[];
    expect(plans.map((p) => p.id)).toEqual(["trial", "explore", "ship", "cant-stop"]);
    expect(plans[0]).toMatchObject({ is_trial: true, price_idr: 0, period_days: 7 });

    const u = await b.h.newUser(0);
    const assigned = await b.h.admin(`/users/${u.userId}/subscription`, { body: { plan_id: "explore" } });
    expect(assigned.status).toBe(200);
    expect((await b.h.admin(`/users/${u.userId}`)).json).toMatchObject({ plan_id: "explore", plan_status: "active", balance_credits: 1000 });
    expect((await chat(u.key)).headers.get("x-sluice-rpm-remaining")).toBe("59");
    const patched = await b.h.admin("/plans/explore", { method: "PATCH", body: { rpm: 7, included_credits: 1000 } });
    expect(patched.json).toMatchObject({ rpm: 7 });
    expect(Number(patched.json.users_updated)).toBeGreaterThanOrEqual(1);
    expect((await chat(u.key)).headers.get("x-sluice-rpm-remaining")).toBe("5");
    await b.h.admin("/plans/explore", { method: "PATCH", body: { rpm: 60 } });

    const created = await b.h.admin("/plans", { body: { id: "team", name: "Team", price_idr: 1_499_000, period_days: 30, period_months: 1, included_credits: 12_000, rpm: 2000, concurrency: 60, spend_cap_credits: 0, spend_window_seconds: 18000 } });
    expect(created.status).toBe(201);
    expect((await b.h.admin("/plans", { body: { id: "team", name: "x", price_idr: 1, period_days: 1 } })).status).toBe(409);
    expect((await b.h.admin("/plans/team", { method: "PATCH", body: { price_idr: -5 } })).status).toBe(400);
    const audit = (await b.h.admin("/audit?action=plan.")).json.data as { action: string }[];
    expect(audit.map((a) => a.action)).toContain("plan.create");
  });
});

describe("refunds", () => {
  test("to the balance and through the provider: ledger rows, credit notes, no over-refund", async () => {
    const u = await b.h.newUser(0);
    const c = await fetch(`${b.h.sluice.gatewayUrl}/v1/billing/checkout`, {
      method: "POST",
      headers: { authorization: `Bearer ${u.key}`, "content-type": "application/json" },
      body: JSON.stringify({ pack_id: "pack-150k" }),
    });
    const orderId = String(((await c.json()) as { order_id: string }).order_id);
    await b.pay("midtrans", orderId);
    const before = Number((await b.h.admin(`/users/${u.userId}`)).json.balance_micro);

    const r1 = await b.h.admin("/refunds", { body: { order_id: orderId, amount_idr: 20_000, method: "balance", reason: "goodwill", idempotency_key: "r1" } });
    expect(r1.status).toBe(201);
    expect(r1.json).toMatchObject({ amount_idr: 20_000, method: "balance", status: "completed", credited_micro: 125 * CREDIT });
    const again = await b.h.admin("/refunds", { body: { order_id: orderId, amount_idr: 20_000, method: "balance", reason: "goodwill", idempotency_key: "r1" } });
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(r1.json.id);
    expect(Number((await b.h.admin(`/users/${u.userId}`)).json.balance_micro) - before).toBe(125 * CREDIT);
    expect((await b.h.admin(`/orders/${orderId}`)).json).toMatchObject({ status: "partially_refunded", refunded_idr: 20_000 });

    const cash = await b.h.admin("/refunds", { body: { order_id: orderId, amount_idr: 130_000, method: "provider", reason: "customer asked", revoke_credits: 500 } });
    expect(cash.status).toBe(201);
    expect(cash.json).toMatchObject({ status: "completed", credited_micro: -500 * CREDIT });
    expect(b.midtrans.transactions.get(orderId)!.refunds).toEqual([{ refundKey: String(cash.json.id), amount: 130_000 }]);
    expect((await b.h.admin(`/orders/${orderId}`)).json).toMatchObject({ status: "refunded", refunded_idr: 150_000 });
    expect((await b.h.admin("/refunds", { body: { order_id: orderId, amount_idr: 1, reason: "more" } })).status).toBe(409);

    const docs = (await b.h.admin(`/invoices?user_id=${u.userId}`)).json.data as { kind: string; total_idr: number; refers_to: string | null }[];
    const notes = docs.filter((d) => d.kind === "credit_note");
    expect(notes.map((n) => n.total_idr).sort()).toEqual([130_000, 20_000].sort());
    const invoice = docs.find((d) => d.kind === "invoice")!;
    expect(notes.every((n) => n.refers_to !== null)).toBe(true);
    expect(notes.reduce((s, n) => s + n.total_idr, 0)).toBe(invoice.total_idr);
    await b.h.sluice.flusher.drain();
    const ledger = await b.h.sluice.database.rows<{ amount: string }>("select amount_micro::text as amount from ledger where user_id = $1 and kind = 'refund' order by id", [u.userId]);
    expect(ledger.map((l) => l.amount)).toEqual([String(125 * CREDIT), String(-500 * CREDIT)]);
    expect((await b.h.admin("/refunds", { body: { order_id: "SLC-NOPE", amount_idr: 1, reason: "x" } })).status).toBe(404);
  });
});

describe("usage and audit", () => {
  test("usage by day, model, key and user sums to the same totals", async () => {
    const u = await b.h.newUser(100);
    for (const model of ["gpt-5.4-mini", "gpt-5.4-mini", "deepseek-v4-pro"]) expect((await chat(u.key, model)).status).toBe(200);
    await b.h.sluice.flusher.drain();
    const totals: number[] = [];
    for (const group of ["day", "model", "key", "user"]) {
      const r = (await b.h.admin(`/usage?group_by=${group}&user_id=${u.userId}&tz=Asia/Jakarta`)).json as {
        rows: { key: string; requests: number; cost_micro: number; input_tokens: number }[];
        totals: { requests: number; cost_micro: number; input_tokens: number };
      };
      expect(r.totals.requests).toBe(3);
      expect(r.rows.reduce((s, x) => s + x.requests, 0)).toBe(r.totals.requests);
      expect(r.rows.reduce((s, x) => s + x.cost_micro, 0)).toBe(r.totals.cost_micro);
      expect(r.rows.reduce((s, x) => s + x.input_tokens, 0)).toBe(r.totals.input_tokens);
      totals.push(r.totals.cost_micro);
      if (group === "model") expect(r.rows.map((x) => [x.key, x.requests])).toEqual([["deepseek-v4-pro", 1], ["gpt-5.4-mini", 2]]);
    }
    expect(new Set(totals).size).toBe(1);
    // The cost matches what the balance lost.
    expect(totals[0]).toBe(100 * CREDIT - Number((await b.h.admin(`/users/${u.userId}`)).json.balance_micro));
    expect((await b.h.admin("/usage?tz=Mars/Olympus")).status).toBe(400);
    expect((await b.h.admin("/usage?group_by=planet")).status).toBe(400);
  });

  test("the audit log names the actor, time, before and after of mutations", async () => {
    const res = await fetch(`${b.h.sluice.adminUrl}/admin/v1/users`, {
      method: "POST",
      headers: { authorization: "Bearer test-admin-token", "content-type": "application/json", "x-admin-actor": "dewi" },
      body: JSON.stringify({ name: "audited" }),
    });
    const id = String(((await res.json()) as { id: string }).id);
    const rows = (await b.h.admin(`/audit?target=${id}`)).json.data as { action: string; actor: string; at: string; after: unknown }[];
    expect(rows[0]).toMatchObject({ action: "user.create", actor: "admin-token:dewi" });
    expect(Date.now() - Date.parse(rows[0]!.at)).toBeLessThan(60_000);
    const page1 = (await b.h.admin("/audit?limit=2")).json.data as { id: number }[];
    const page2 = (await b.h.admin(`/audit?limit=2&before_id=${page1[1]!.id}`)).json.data as { id: number }[];
    expect(page2[0]!.id).toBeLessThan(page1[1]!.id);
  });
});
