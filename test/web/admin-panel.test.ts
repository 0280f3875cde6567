// The admin panel's forms over HTTP (no browser): each goes through the admin API, so the
// effect is checked through that API and the audit log names the operator.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startBillingHarness, type BillingHarness } from "../billing/billing-harness.ts";
import { csrfOf, WebClient } from "./client.ts";

let b: BillingHarness;
let op: WebClient;
let csrf: string;

beforeAll(async () => {
  b = await startBillingHarness("midtrans");
  op = new WebClient(b.h.sluice.adminUrl);
  const login = await op.get("/admin/login");
  const r = await op.post("/admin/login", { _csrf: csrfOf(login.text), token: "test-admin-token", name: "ops" });
  expect(r.location).toBe("/admin/models");
  csrf = csrfOf((await op.get("/admin/models")).text);
}, 60_000);
afterAll(() => b?.stop());

const CREDIT = 1_000_000;

describe("admin panel actions", () => {
  test("an unknown page is a 404 in the panel's shell with a way back", async () => {
    const res = await op.get("/admin/no-such-page");
    expect(res.status).toBe(404);
    expect(res.text).toContain("<h1>Error 404</h1>");
    expect(res.text).toContain("Back to the admin panel");
    expect(res.text).toContain("<title>Error 404 · Sluice admin</title>");
  });

  test("adjust credits: applied once per form, rejected with the API's message when invalid", async () => {
    const u = await b.h.newUser(10);
    const page = await op.get(`/admin/users/${u.userId}`);
    expect(page.text).toContain("10</div>");
    const key = /name="idempotency_key" value="([^"]+)"/.exec(page.text)![1]!;
    const form = { _csrf: csrf, credits: "2.5", reason: "goodwill", idempotency_key: key };
    const first = await op.post(`/admin/users/${u.userId}/credits`, form);
    expect(first.status).toBe(303);
    expect(decodeURIComponent(first.location!)).toContain("balance now 12.5");
    // The same form sent twice (a double click, a reload) credits once.
    const second = await op.post(`/admin/users/${u.userId}/credits`, form);
    expect(decodeURIComponent(second.location!)).toContain("already applied");
    expect(await b.balance(u.userId)).toBe(12.5 * CREDIT);

    const bad = await op.post(`/admin/users/${u.userId}/credits`, { _csrf: csrf, credits: "lots", reason: "x" });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("credits: a number of credits");
    expect(await b.balance(u.userId)).toBe(12.5 * CREDIT);
  });

  test("refund a paid order to the balance; the order and a credit note show it", async () => {
    const u = await b.h.newUser(0);
    const checkout = await b.gw("/v1/billing/checkout", u.key, { body: { pack_id: "pack-50k" } });
    const orderId = String(checkout.json.order_id);
    expect((await b.pay("midtrans", orderId))?.status).toBe(200);
    const before = await b.balance(u.userId);

    const page = await op.get(`/admin/orders/${orderId}`);
    expect(page.text).toContain("Refund");
    const key = /name="idempotency_key" value="([^"]+)"/.exec(page.text)![1]!;
    const r = await op.post(`/admin/orders/${orderId}/refund`, { _csrf: csrf, amount_idr: "16000", method: "balance", reason: "did not need it", idempotency_key: key });
    expect(r.status).toBe(303);
    const order = (await b.h.admin(`/orders/${orderId}`)).json;
    expect(order.refunded_idr).toBe(16_000);
    // 16,000 IDR at IDR_PER_CREDIT 160 = 100 credits.
    expect((await b.balance(u.userId)) - before).toBe(100 * CREDIT);
    const docs = (await b.h.admin(`/invoices?user_id=${u.userId}`)).json.data as { kind: string; total_idr: number }[];
    expect(docs.find((d) => d.kind === "credit_note")?.total_idr).toBe(16_000);
    expect((await op.get(`/admin/orders/${orderId}`)).text).toContain("Rp 16.000");

    const tooMuch = await op.post(`/admin/orders/${orderId}/refund`, { _csrf: csrf, amount_idr: "999999", method: "balance", reason: "x" });
    expect(tooMuch.status).toBeGreaterThanOrEqual(400);
    expect(tooMuch.text).toContain('role="alert"');
  });

  test("assign a plan, revoke a key, edit a plan and a deployment", async () => {
    const u = await b.h.newUser(0);
    const assign = await op.post(`/admin/users/${u.userId}/plan`, { _csrf: csrf, plan_id: "explore", grant_credits: "1" });
    expect(assign.status).toBe(303);
    expect((await b.h.admin(`/users/${u.userId}`)).json.plan_id).toBe("explore");
    expect(await b.balance(u.userId)).toBe(1000 * CREDIT);

    const revoke = await op.post(`/admin/keys/${u.keyId}/revoke`, { _csrf: csrf, user_id: u.userId });
    expect(revoke.location).toStartWith(`/admin/users/${u.userId}?saved=`);
    expect((await fetch(`${b.h.sluice.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${u.key}` } })).status).toBe(401);

    const plan = await op.post("/admin/plans/explore", { _csrf: csrf, name: "Explore", price_idr: "149000", included_credits: "1000", rpm: "61", concurrency: "5", spend_cap_credits: "300", status: "active" });
    expect(decodeURIComponent(plan.location!)).toContain("plan explore, ");
    expect((await b.h.admin("/plans/explore")).json.rpm).toBe(61);
    const unchanged = await op.post("/admin/plans/explore", { _csrf: csrf, name: "Explore", rpm: "61" });
    expect(unchanged.text).toContain("nothing changed");

    const dep = await op.post("/admin/deployments/gpt-5.5@openai", { _csrf: csrf, upstream_model: "gpt-5.5", priority: "5", weight: "2" });
    expect(dep.status).toBe(303);
    const deps = (await b.h.admin("/deployments?model_id=gpt-5.5")).json.data as { id: string; priority: number; weight: number }[];
    expect(deps.find((d) => d.id === "gpt-5.5@openai")).toMatchObject({ priority: 5, weight: 2 });
    const badDep = await op.post("/admin/deployments/gpt-5.5@openai", { _csrf: csrf, priority: "high" });
    expect(badDep.status).toBe(400);

    const badPrice = await op.post("/admin/models/gpt-5.5", { _csrf: csrf, input_price: "-1" });
    expect(badPrice.status).toBe(400);
    expect(badPrice.text).toContain("input price must be a number");

    const audit = (await b.h.admin("/audit?actor=admin-token:web/ops")).json.data as { action: string }[];
    const actions = new Set(audit.map((a) => a.action));
    for (const a of ["credits.adjust", "refund.create", "key.revoke", "plan.update", "deployment.update"]) expect(actions).toContain(a);
  });

  test("search finds users by email; the panel pages all render", async () => {
    await b.h.admin("/users", { body: { email: "findme@example.com", name: "Find Me" } });
    const r = await op.get("/admin/users?q=findme");
    expect(r.text).toContain("findme@example.com");
    expect(r.text).toContain("(1)");
    for (const path of ["/admin/models", "/admin/models/gpt-5.5", "/admin/providers", "/admin/plans", "/admin/users", "/admin/orders?status=paid", "/admin/invoices", "/admin/usage?days=7", "/admin/audit?action=credits.", "/admin/health"]) {
      const page = await op.get(path);
      expect(`${path} ${page.status}`).toBe(`${path} 200`);
      expect(page.headers.get("content-type")).toContain("text/html");
    }
  });
});
