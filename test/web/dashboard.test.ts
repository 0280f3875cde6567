// The dashboard's actions over HTTP (no browser): the trial at sign-up, keys revoked and
// regenerated, a credit pack bought with QRIS and followed to paid, a plan bought, switched
// down with its refund, and canceled. Each is checked against what the API would say.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startBillingHarness, type BillingHarness } from "../billing/billing-harness.ts";
import { signUp } from "./client.ts";

let b: BillingHarness;
beforeAll(async () => {
  b = await startBillingHarness("xendit");
}, 60_000);
afterAll(() => b?.stop());

const CREDIT = 1_000_000;

async function userIdOf(email: string): Promise<string> {
  return (await b.h.sluice.database.rows<{ id: string }>("select id from users where email = $1", [email]))[0]!.id;
}

async function models(key: string): Promise<number> {
  return (await fetch(`${b.h.sluice.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status;
}

describe("dashboard actions", () => {
  test("an unknown page is a 404 in the dashboard's shell with a way back", async () => {
    const u = await signUp(b.h.sluice.gatewayUrl);
    const res = await u.client.get("/app/no-such-page");
    expect(res.status).toBe(404);
    expect(res.text).toContain("<h1>Not found</h1>");
    expect(res.text).toContain("Back to the dashboard");
    expect(res.text).toContain("<title>Error 404 · Sluice</title>");
  });

  test("sign-up gives the signup credit and starts the 7-day trial", async () => {
    const u = await signUp(b.h.sluice.gatewayUrl);
    const id = await userIdOf(u.email);
    expect(await b.balance(id)).toBe((b.h.config.signupCredits + 100) * CREDIT);
    const user = (await b.h.admin(`/users/${id}`)).json as { plan_id: string; subscription: { is_trial: boolean; period_start: string; period_end: string } };
    expect(user.plan_id).toBe("trial");
    expect(user.subscription.is_trial).toBe(true);
    expect(Date.parse(user.subscription.period_end) - Date.parse(user.subscription.period_start)).toBe(7 * 86_400_000);
    const billing = await u.client.get("/app/billing");
    expect(billing.text).toContain("300 credits");
  });

  test("regenerate replaces a key (same name, old one dead); revoke kills it", async () => {
    const u = await signUp(b.h.sluice.gatewayUrl);
    const created = await u.client.post("/app/keys", { _csrf: u.csrf, name: "ci" });
    const first = /id="new-key" readonly value="([^"]+)"/.exec(created.text)![1]!;
    expect(await models(first)).toBe(200);
    const keyId = (await b.h.sluice.database.rows<{ id: string }>("select id from api_keys where user_id = $1 and status = 'active'", [await userIdOf(u.email)]))[0]!.id;

    const again = await u.client.post(`/app/keys/${keyId}/regenerate`, { _csrf: u.csrf });
    expect(again.status).toBe(200);
    expect(again.text).toContain("regenerated");
    const second = /id="new-key" readonly value="([^"]+)"/.exec(again.text)![1]!;
    expect(second).not.toBe(first);
    expect(await models(first)).toBe(401);
    expect(await models(second)).toBe(200);
    const rows = await b.h.sluice.database.rows<{ id: string; name: string; status: string }>("select id, name, status from api_keys where user_id = $1 order by created_at", [await userIdOf(u.email)]);
    expect(rows.map((r) => [r.name, r.status])).toEqual([
      ["ci", "revoked"],
      ["ci", "active"],
    ]);
    // Regenerating a revoked key is refused; the page says so.
    expect((await u.client.post(`/app/keys/${keyId}/regenerate`, { _csrf: u.csrf })).status).toBe(409);

    const revoke = await u.client.post(`/app/keys/${rows[1]!.id}/revoke`, { _csrf: u.csrf });
    expect(revoke.location).toBe("/app/keys?done=revoked");
    expect(await models(second)).toBe(401);
    const page = await u.client.get("/app/keys");
    expect(page.text).toContain("No active keys yet.");
    expect(page.text).toContain("Revoked keys (2)");
  });

  test("the keys page shows when each key was last used, and never for an unused one", async () => {
    const u = await signUp(b.h.sluice.gatewayUrl);
    const used = /id="new-key" readonly value="([^"]+)"/.exec((await u.client.post("/app/keys", { _csrf: u.csrf, name: "used-key" })).text)![1]!;
    await u.client.post("/app/keys", { _csrf: u.csrf, name: "idle-key" });
    const res = await fetch(`${b.h.sluice.gatewayUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${used}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-5.4-mini", max_tokens: 8, messages: [{ role: "user", content: "hi [[mock:usage=5,5]]" }] }),
    });
    expect(res.status).toBe(200);
    await res.text();
    await b.h.sluice.flusher.drain();
    const page = (await u.client.get("/app/keys")).text;
    const row = (name: string) => page.split("<tr").find((r) => r.includes(`>${name}<`)) ?? "";
    expect(row("idle-key")).toContain(">never<");
    expect(row("used-key")).not.toContain(">never<");
    expect(row("used-key")).toMatch(/20\d\d/);
  });

  test("a credit pack bought with QRIS: the order page shows the QR, then paid; the credits arrive", async () => {
    const u = await signUp(b.h.sluice.gatewayUrl);
    const id = await userIdOf(u.email);
    const before = await b.balance(id);
    const r = await u.client.post("/app/billing/checkout", { _csrf: u.csrf, pack_id: "pack-150k" });
    expect(r.status).toBe(303);
    const orderPath = r.location!;
    const page = await u.client.get(orderPath);
    expect(page.text).toContain('src="data:image/png;base64,');
    expect(page.text).toContain("Rp 150.000");
    expect(page.text).toContain("1,000 credits");
    expect(page.text).toContain("data-expires-at=");
    const orderId = decodeURIComponent(orderPath.split("/").pop()!);
    let status = (await u.client.get(`${orderPath}/status`)).text;
    expect(JSON.parse(status)).toMatchObject({ id: orderId, status: "pending", status_label: "Waiting for payment" });

    expect((await b.pay("xendit", orderId))?.status).toBe(200);
    status = (await u.client.get(`${orderPath}/status`)).text;
    expect(JSON.parse(status)).toMatchObject({ status: "paid", status_label: "Paid" });
    expect((await u.client.get(orderPath)).text).toContain("The credits are on your balance.");
    expect((await b.balance(id)) - before).toBe(1000 * CREDIT);
  });

  test("a plan bought, switched down with a pro-rata refund, then canceled to its period end", async () => {
    const u = await signUp(b.h.sluice.gatewayUrl);
    const id = await userIdOf(u.email);
    const buy = await u.client.post("/app/billing/checkout", { _csrf: u.csrf, plan_id: "ship" });
    const orderId = decodeURIComponent(buy.location!.split("/").pop()!);
    expect((await b.pay("xendit", orderId))?.status).toBe(200);
    let billing = await u.client.get("/app/billing");
    expect(billing.text).toContain("Switch to Explore");
    // The confirmation says what goes back before the user agrees to it.
    expect(billing.text).toContain("included credits for the rest of the period above Explore");
    expect(billing.text).toContain("Upgrade to Can&#39;t Stop");

    const down = await u.client.post("/app/billing/checkout", { _csrf: u.csrf, plan_id: "explore" });
    expect(down.location).toMatch(/^\/app\/billing\?done=downgrade&refund=\d+&returned=\d+$/);
    const params = new URL(down.location!, "http://x").searchParams;
    const refund = Number(params.get("refund"));
    expect(refund).toBeGreaterThan(149_000);
    // Ship's 2,200 included credits less Explore's 1,000, for (nearly) all of the period.
    const returned = Number(params.get("returned"));
    expect(returned).toBeGreaterThan(1199 * CREDIT);
    expect(returned).toBeLessThanOrEqual(1200 * CREDIT);
    billing = await u.client.get(down.location!);
    expect(billing.text).toContain(`Rp ${refund.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".")} was refunded`);
    expect(billing.text).toContain("included credits for the rest of the period (1,199.");
    expect(billing.text).toContain("Credit note");
    expect((await b.h.admin(`/users/${id}`)).json.plan_id).toBe("explore");

    const cancel = await u.client.post("/app/billing/cancel", { _csrf: u.csrf });
    expect(cancel.location).toBe("/app/billing?done=cancel");
    const sub = (await b.h.admin(`/users/${id}`)).json.subscription as { cancel_at_period_end: boolean };
    expect(sub.cancel_at_period_end).toBe(true);
    billing = await u.client.get("/app/billing");
    expect(billing.text).toContain("ends at period end");
    expect(billing.text).not.toContain(">Cancel plan<");

    // Canceling again changes nothing, as in the billing API.
    const twice = await u.client.post("/app/billing/cancel", { _csrf: u.csrf });
    expect(twice.location).toBe("/app/billing?done=cancel");
    expect(((await b.h.admin(`/users/${id}`)).json.subscription as { plan_id: string }).plan_id).toBe("explore");
  });
});
