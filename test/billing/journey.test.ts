// The whole story over real HTTP: a user buys a plan with QRIS, the provider's notification
// activates it, the key gets the plan's limits, a downgrade refunds pro rata, and the
// invoices, receipts and credit notes add up. Then upgrades, renewals, cancellation, expiry,
// the trial, and the sweeper that polls orders whose notification never came.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startBillingHarness, type BillingHarness } from "./billing-harness.ts";
import { qrisProblems } from "../mocks/midtrans-upstream.ts";
import { downgradeRefundIdr, idrToMicro, splitTaxIncluded, upgradeChargeIdr } from "../../src/payments/money.ts";
import { runBillingJobs } from "../../src/payments/jobs.ts";

interface Invoice {
  number: string;
  kind: string;
  status: string;
  refers_to: string | null;
  order_id: string | null;
  total_idr: number;
  tax_idr: number;
  subtotal_idr: number;
  lines: { amount_idr: number; net_idr: number; tax_idr: number }[];
}

const CREDIT = 1_000_000;

async function chat(b: BillingHarness, key: string) {
  const res = await fetch(`${b.h.sluice.gatewayUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-5.4-mini", max_tokens: 16, messages: [{ role: "user", content: "hi [[mock:usage=10,5]]" }] }),
  });
  await res.text();
  return res;
}

describe("journey: plan bought with QRIS (Midtrans), downgraded, refunded, documented", () => {
  let b: BillingHarness;
  beforeAll(async () => {
    b = await startBillingHarness("midtrans");
  });
  afterAll(() => b.stop());

  test("checkout -> webhook -> plan active with its limits -> downgrade -> refund -> documents", async () => {
    const u = await b.h.newUser(10);
    const start = await b.balance(u.userId);

    const plans = await b.gw("/v1/billing/plans", u.key);
    const ship = (plans.json.plans as { id: string; price_idr: number; rpm: number; concurrency: number; included_credits: number }[]).find((p) => p.id === "ship")!;
    expect(ship).toMatchObject({ price_idr: 299_000, rpm: 300, concurrency: 15, included_credits: 2200 });

    // Before any plan: the default plan's limits (DEFAULT_RPM 600).
    expect((await chat(b, u.key)).headers.get("x-sluice-rpm-remaining")).toBe("599");

    const checkout = await b.gw("/v1/billing/checkout", u.key, { body: { plan_id: "ship" } });
    expect(checkout.status).toBe(201);
    expect(checkout.json).toMatchObject({ kind: "plan", status: "pending", amount_idr: 299_000 });
    expect(qrisProblems(String(checkout.json.qr_string), 299_000)).toEqual([]);
    expect(String(checkout.json.qr_image)).toStartWith("data:image/png;base64,");
    expect(Date.parse(String(checkout.json.expires_at))).toBeGreaterThan(Date.now());
    const orderId = String(checkout.json.order_id);
    // Midtrans got a QRIS charge for exactly that order and amount.
    const charged = b.midtrans.requests.find((r) => r.path === "/v2/charge" && JSON.stringify(r.body).includes(orderId))!;
    expect(charged.body).toMatchObject({ payment_type: "qris", transaction_details: { order_id: orderId, gross_amount: 299_000 }, custom_expiry: { unit: "minute" } });

    // Not paid yet: nothing changed.
    expect((await b.h.admin(`/users/${u.userId}`)).json.plan_status).toBeNull();

    const webhook = await b.pay("midtrans", orderId);
    expect(webhook?.status).toBe(200);
    const order = await b.gw(`/v1/billing/orders/${orderId}`, u.key);
    expect(order.json).toMatchObject({ id: orderId, status: "paid", amount_idr: 299_000 });
    const user = (await b.h.admin(`/users/${u.userId}`)).json;
    expect(user).toMatchObject({ plan_id: "ship", plan_status: "active" });
    const afterPlan = await b.balance(u.userId);
    // Included credits arrived (less the one small request made before).
    expect(afterPlan - start).toBeGreaterThan(2199 * CREDIT);
    expect(afterPlan - start).toBeLessThanOrEqual(2200 * CREDIT);

    // The key has the plan's limits at once: rpm 300 (2 requests in the window now), concurrency 15.
    const withPlan = await chat(b, u.key);
    expect(withPlan.status).toBe(200);
    expect(withPlan.headers.get("x-sluice-rpm-remaining")).toBe("298");
    expect(withPlan.headers.get("x-sluice-concurrent-remaining")).toBe("14");

    // Downgrade to explore: immediate, pro-rata refund to the balance.
    const sub = (await b.gw("/v1/billing/subscription", u.key)).json.current as { period_start: string; period_end: string; paid_idr: number };
    expect(sub.paid_idr).toBe(299_000);
    const window = (at: number) => ({ periodStart: new Date(sub.period_start), periodEnd: new Date(sub.period_end), at: new Date(at) });
    const beforeDown = await b.balance(u.userId);
    const t0 = Date.now();
    const down = await b.gw("/v1/billing/checkout", u.key, { body: { plan_id: "explore" } });
    const t1 = Date.now();
    expect(down.status).toBe(200);
    expect(down.json).toMatchObject({ kind: "downgrade", amount_idr: 0, qr_string: null });
    const refundIdr = Number(down.json.refund_idr);
    expect(refundIdr).toBeLessThanOrEqual(downgradeRefundIdr(299_000, 149_000, window(t0 - 1000)));
    expect(refundIdr).toBeGreaterThanOrEqual(downgradeRefundIdr(299_000, 149_000, window(t1 + 1000)));
    expect(refundIdr).toBeGreaterThan(149_000);
    // The refund takes back what it paid for: Ship's included credits above Explore's for
    // the rest of the period (1,200 credits x what is left of it), all of it unspent here.
    const returned = BigInt(Number(down.json.credits_returned_micro));
    const share = (at: number) => (1_200n * BigInt(CREDIT) * BigInt(Math.floor((Date.parse(sub.period_end) - at) / 1000))) / BigInt(Math.floor((Date.parse(sub.period_end) - Date.parse(sub.period_start)) / 1000));
    expect(returned).toBeLessThanOrEqual(share(t0 - 1000));
    expect(returned).toBeGreaterThanOrEqual(share(t1 + 1000));
    const afterDown = (await b.h.admin(`/users/${u.userId}`)).json;
    expect(afterDown).toMatchObject({ plan_id: "explore", plan_status: "active" });
    expect(Number(afterDown.balance_micro) - (await b.balance(u.userId))).toBe(0);
    expect(BigInt(Number(afterDown.balance_micro)) - BigInt(beforeDown)).toBe(idrToMicro(refundIdr, 160) - returned);
    await b.h.sluice.flusher.drain();
    const refundRows = await b.h.sluice.database.rows<{ amount_micro: string; kind: string }>(
      "select amount_micro::text, kind from ledger where user_id = $1 and (kind = 'refund' or (kind = 'plan_credit' and amount_micro < 0))",
      [u.userId],
    );
    expect(refundRows).toEqual([
      { amount_micro: idrToMicro(refundIdr, 160).toString(), kind: "refund" },
      { amount_micro: (-returned).toString(), kind: "plan_credit" },
    ]);

    // Limits follow the downgrade at once: explore has rpm 60.
    expect((await chat(b, u.key)).headers.get("x-sluice-rpm-remaining")).toBe("57");

    // Documents: the invoice (issued at checkout, now paid), its receipt, the credit note.
    const docs = (await b.gw("/v1/billing/invoices", u.key)).json.data as Invoice[];
    const invoice = docs.find((d) => d.kind === "invoice")!;
    const receipt = docs.find((d) => d.kind === "receipt")!;
    const note = docs.find((d) => d.kind === "credit_note")!;
    expect(docs).toHaveLength(3);
    expect(invoice).toMatchObject({ status: "paid", order_id: orderId, total_idr: 299_000, tax_idr: 29_631, subtotal_idr: 269_369 });
    expect(receipt).toMatchObject({ status: "paid", refers_to: invoice.number, total_idr: 299_000, tax_idr: 29_631 });
    expect(note).toMatchObject({ refers_to: invoice.number, total_idr: refundIdr, tax_idr: splitTaxIncluded(refundIdr, 1100).taxIdr });
    for (const d of docs) {
      expect(d.subtotal_idr + d.tax_idr).toBe(d.total_idr);
      expect(d.lines.reduce((s, l) => s + l.amount_idr, 0)).toBe(d.total_idr);
      expect(d.lines.reduce((s, l) => s + l.tax_idr, 0)).toBe(d.tax_idr);
    }
    // What the user paid net of refunds, from the documents alone.
    expect(receipt.total_idr - note.total_idr).toBe(299_000 - refundIdr);

    const json = await b.h.admin(`/invoices/${invoice.number}`);
    expect(json.json).toMatchObject({ number: invoice.number, total_idr: 299_000, tax_idr: 29_631 });
    const html = await fetch(`${b.h.sluice.adminUrl}/admin/v1/invoices/${invoice.number}?format=html`, { headers: { authorization: "Bearer test-admin-token" } });
    expect(html.headers.get("content-type")).toContain("text/html");
    const page = await html.text();
    expect(page).toContain(invoice.number);
    expect(page).toContain("Rp 299.000");
    expect(page).toContain("Rp 29.631");
    const viaAccept = await fetch(`${b.h.sluice.adminUrl}/admin/v1/invoices/${note.number}`, { headers: { authorization: "Bearer test-admin-token", accept: "text/html" } });
    expect(await viaAccept.text()).toContain("Credit note");

    // A balance is the sum of its ledger rows, in Postgres and in the hot store.
    await b.h.sluice.flusher.drain();
    const sums = await b.h.sluice.database.rows<{ ledger: string; balance: string }>(
      "select (select sum(amount_micro) from ledger where user_id = $1)::text as ledger, (select balance_micro from users where id = $1)::text as balance",
      [u.userId],
    );
    expect(sums[0]!.ledger).toBe(sums[0]!.balance);
    expect(String(await b.balance(u.userId))).toBe(sums[0]!.ledger);
  });

  test("someone else's order is not found; checkout needs a key and one of plan_id / pack_id", async () => {
    const a = await b.h.newUser(1);
    const c = await b.h.newUser(1);
    const order = await b.gw("/v1/billing/checkout", a.key, { body: { pack_id: "pack-50k" } });
    expect((await b.gw(`/v1/billing/orders/${order.json.order_id}`, c.key)).status).toBe(404);
    expect((await b.gw("/v1/billing/checkout", "sk-sluice-nope", { body: { plan_id: "ship" } })).status).toBe(401);
    expect((await b.gw("/v1/billing/checkout", a.key, { body: {} })).status).toBe(400);
    expect((await b.gw("/v1/billing/checkout", a.key, { body: { plan_id: "ship", pack_id: "pack-50k" } })).status).toBe(400);
    expect((await b.gw("/v1/billing/checkout", a.key, { body: { plan_id: "gold" } })).status).toBe(404);
  });
});

describe("journey: upgrade, renewal, cancellation, expiry, trial, sweeper (Xendit)", () => {
  let b: BillingHarness;
  beforeAll(async () => {
    b = await startBillingHarness("xendit");
  });
  afterAll(() => b.stop());

  const buy = async (key: string, body: Record<string, string>) => {
    const c = await b.gw("/v1/billing/checkout", key, { body });
    expect(c.status).toBe(201);
    expect((await b.pay("xendit", String(c.json.order_id)))?.status).toBe(200);
    return c.json;
  };

  test("upgrade mid-cycle pays the prorated difference and adds prorated included credits", async () => {
    const u = await b.h.newUser(0);
    await buy(u.key, { plan_id: "explore" });
    const sub = (await b.gw("/v1/billing/subscription", u.key)).json.current as { period_start: string; period_end: string };
    const before = await b.balance(u.userId);
    const t0 = Date.now();
    const up = await b.gw("/v1/billing/checkout", u.key, { body: { plan_id: "ship" } });
    const window = (at: number) => ({ periodStart: new Date(sub.period_start), periodEnd: new Date(sub.period_end), at: new Date(at) });
    expect(up.json.kind).toBe("upgrade");
    expect(Number(up.json.amount_idr)).toBeLessThanOrEqual(upgradeChargeIdr(149_000, 299_000, window(t0 - 1000)));
    expect(Number(up.json.amount_idr)).toBeGreaterThanOrEqual(upgradeChargeIdr(149_000, 299_000, window(Date.now() + 1000)));
    expect((await b.pay("xendit", String(up.json.order_id)))?.status).toBe(200);
    expect((await b.h.admin(`/users/${u.userId}`)).json.plan_id).toBe("ship");
    const gained = (await b.balance(u.userId)) - before;
    // (2200 - 1000) credits x the part of the period left, rounded down.
    expect(gained).toBeGreaterThan(1199 * CREDIT);
    expect(gained).toBeLessThanOrEqual(1200 * CREDIT);
    const now = (await b.gw("/v1/billing/subscription", u.key)).json.current as { paid_idr: number; period_end: string };
    expect(now.paid_idr).toBe(299_000);
    expect(now.period_end).toBe(sub.period_end);
  });

  test("renewal paid ahead takes over at the period end with its credits; cancel runs to the end, then expiry restores default limits", async () => {
    const u = await b.h.newUser(0);
    await buy(u.key, { plan_id: "explore" });
    const renewal = await buy(u.key, { plan_id: "explore" });
    expect(renewal.kind).toBe("renewal");
    const subs = (await b.gw("/v1/billing/subscription", u.key)).json as { current: { period_end: string }; next: { period_start: string; period_end: string } };
    expect(subs.next.period_start).toBe(subs.current.period_end);
    const before = await b.balance(u.userId);

    const end1 = new Date(subs.current.period_end);
    let report = await runBillingJobs(b.deps(() => new Date(end1.getTime() + 1000)));
    expect(report.renewed).toBeGreaterThanOrEqual(1);
    expect((await b.balance(u.userId)) - before).toBe(1000 * CREDIT);
    const current = (await b.gw("/v1/billing/subscription", u.key)).json.current as { period_start: string; period_end: string };
    expect(current.period_start).toBe(subs.next.period_start);

    const cancel = await b.gw("/v1/billing/cancel", u.key, { method: "POST" });
    expect(cancel.json.cancel_at_period_end).toBe(true);
    expect((await b.h.admin(`/users/${u.userId}`)).json.plan_status).toBe("canceled");
    // Still the plan's limits until the end: rpm 60.
    expect((await chat(b, u.key)).headers.get("x-sluice-rpm-remaining")).toBe("59");

    report = await runBillingJobs(b.deps(() => new Date(new Date(current.period_end).getTime() + 1000)));
    expect(report.expired).toBeGreaterThanOrEqual(1);
    expect((await b.h.admin(`/users/${u.userId}`)).json.plan_status).toBe("expired");
    // Default limits again (DEFAULT_RPM 600): 2 requests in the window.
    expect((await chat(b, u.key)).headers.get("x-sluice-rpm-remaining")).toBe("598");
  });

  test("the 7-day trial starts at once, free, once per user", async () => {
    const u = await b.h.newUser(0);
    const before = await b.balance(u.userId);
    const t = await b.gw("/v1/billing/checkout", u.key, { body: { plan_id: "trial" } });
    expect(t.status).toBe(200);
    expect(t.json).toMatchObject({ kind: "trial", status: "paid", amount_idr: 0, qr_string: null });
    expect((await b.balance(u.userId)) - before).toBe(100 * CREDIT);
    const sub = (await b.gw("/v1/billing/subscription", u.key)).json.current as { period_start: string; period_end: string; is_trial: boolean };
    expect(sub.is_trial).toBe(true);
    expect(Date.parse(sub.period_end) - Date.parse(sub.period_start)).toBe(7 * 86_400_000);
    const again = await Promise.all([1, 2, 3].map(() => b.gw("/v1/billing/checkout", u.key, { body: { plan_id: "trial" } })));
    expect(again.map((r) => r.status)).toEqual([409, 409, 409]);
    // A paid plan replaces the trial at once.
    await buy(u.key, { plan_id: "explore" });
    expect((await b.h.admin(`/users/${u.userId}`)).json).toMatchObject({ plan_id: "explore", plan_status: "active" });
    expect((await b.gw("/v1/billing/checkout", u.key, { body: { plan_id: "trial" } })).status).toBe(409);
  });

  test("a checkout page polling its order activates it even when the callback is lost", async () => {
    const u = await b.h.newUser(0);
    const before = await b.balance(u.userId);
    const c = await b.gw("/v1/billing/checkout", u.key, { body: { pack_id: "pack-50k" } });
    await b.xendit.pay(String(c.json.order_id), undefined, false);
    // Polling the provider waits until the order is 5 s old, and then at most every 5 s.
    expect((await b.gw(`/v1/billing/orders/${c.json.order_id}`, u.key)).json.status).toBe("pending");
    await Bun.sleep(5_100);
    expect((await b.gw(`/v1/billing/orders/${c.json.order_id}`, u.key)).json.status).toBe("paid");
    expect((await b.balance(u.userId)) - before).toBe(320 * CREDIT);
  }, 20_000);

  test("the sweeper applies a payment whose callback never came, and expires abandoned orders", async () => {
    const u = await b.h.newUser(0);
    const before = await b.balance(u.userId);
    const paid = await b.gw("/v1/billing/checkout", u.key, { body: { pack_id: "pack-150k" } });
    const abandoned = await b.gw("/v1/billing/checkout", u.key, { body: { pack_id: "pack-50k" } });
    await b.xendit.pay(String(paid.json.order_id), undefined, false);
    // Too early to poll: nothing happens.
    expect((await runBillingJobs(b.deps())).polled).toBe(0);
    const report = await runBillingJobs(b.deps(() => new Date(Date.now() + 3 * 60_000)));
    expect(report.polled).toBeGreaterThanOrEqual(2);
    expect((await b.gw(`/v1/billing/orders/${paid.json.order_id}`, u.key)).json.status).toBe("paid");
    expect((await b.balance(u.userId)) - before).toBe(1000 * CREDIT);
    expect((await b.gw(`/v1/billing/orders/${abandoned.json.order_id}`, u.key)).json.status).toBe("pending");
    await runBillingJobs(b.deps(() => new Date(Date.now() + 60 * 60_000)));
    expect((await b.gw(`/v1/billing/orders/${abandoned.json.order_id}`, u.key)).json.status).toBe("expired");
    const inv = (await b.gw("/v1/billing/invoices", u.key)).json.data as Invoice[];
    expect(inv.find((d) => d.order_id === abandoned.json.order_id)?.status).toBe("void");
  });
});
