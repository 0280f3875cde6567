// Payment notifications against a running gateway, for both providers: replays, forgeries,
// wrong amounts, unknown orders, malformed bodies and out-of-order events change nothing
// they should not; 200 for every authentic notification, 401 / 400 otherwise.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startBillingHarness, type BillingHarness } from "./billing-harness.ts";
import { midtransSign } from "../mocks/midtrans-upstream.ts";

const PACK = "pack-50k";
const PACK_MICRO = 320_000_000;

for (const provider of ["midtrans", "xendit"] as const) {
  describe(`webhooks: ${provider}`, () => {
    let b: BillingHarness;
    beforeAll(async () => {
      b = await startBillingHarness(provider);
    });
    afterAll(() => b.stop());

    /** A user with a pending pack order, and that order's authentic "paid" notification. */
    const pendingPack = async () => {
      const u = await b.h.newUser(10);
      const c = await b.gw("/v1/billing/checkout", u.key, { body: { pack_id: PACK } });
      expect(c.status).toBe(201);
      const orderId = String(c.json.order_id);
      return { ...u, orderId, before: await b.balance(u.userId) };
    };

    /** The provider records the payment; returns the notification without delivering it. */
    const paidNotification = async (orderId: string): Promise<{ raw: string; headers: Record<string, string> }> => {
      if (provider === "midtrans") {
        b.midtrans.transactions.get(orderId)!.status = "settlement";
        return { raw: JSON.stringify(b.midtrans.notification(orderId, "settlement")), headers: {} };
      }
      const { payment } = await b.xendit.pay(orderId, undefined, false);
      return { raw: JSON.stringify(b.xendit.callbackBody(payment)), headers: { "x-callback-token": b.xendit.callbackToken } };
    };

    const post = (raw: string, headers: Record<string, string> = {}) =>
      fetch(`${b.h.sluice.gatewayUrl}/webhooks/${provider}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: raw });

    const order = async (id: string) => (await b.h.admin(`/orders/${id}`)).json;

    test("the same notification 10 times at once credits once", async () => {
      const u = await pendingPack();
      const n = await paidNotification(u.orderId);
      const replies = await Promise.all(Array.from({ length: 10 }, () => post(n.raw, n.headers)));
      expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
      const outcomes = await Promise.all(replies.map(async (r) => ((await r.json()) as { outcome: string }).outcome));
      expect(outcomes.filter((o) => o === "applied")).toHaveLength(1);
      expect(outcomes.filter((o) => o === "duplicate")).toHaveLength(9);
      expect(await b.balance(u.userId)).toBe(u.before + PACK_MICRO);
      const ledger = await b.h.sluice.database.rows<{ n: number }>("select count(*)::int as n from ledger where event_id = $1", [`pack:${u.orderId}`]);
      expect(ledger[0]!.n).toBe(1);
      expect((await order(u.orderId)).status).toBe("paid");
      // And later replays (provider retries) still change nothing.
      expect((await post(n.raw, n.headers)).status).toBe(200);
      expect(await b.balance(u.userId)).toBe(u.before + PACK_MICRO);
    });

    test("a forged notification is 401 and changes nothing", async () => {
      const u = await pendingPack();
      const n = await paidNotification(u.orderId);
      const forged =
        provider === "midtrans"
          ? await post(JSON.stringify({ ...JSON.parse(n.raw), signature_key: "0".repeat(128) }))
          : await post(n.raw, { "x-callback-token": "not-the-token" });
      expect(forged.status).toBe(401);
      const missing = provider === "midtrans" ? await post(JSON.stringify({ ...JSON.parse(n.raw), signature_key: "" })) : await post(n.raw);
      expect([400, 401]).toContain(missing.status);
      expect((await order(u.orderId)).status).toBe("pending");
      expect(await b.balance(u.userId)).toBe(u.before);
    });

    test("an authentic notification with the wrong amount flags the order and credits nothing", async () => {
      const u = await pendingPack();
      let wrong: Response;
      if (provider === "midtrans") {
        b.midtrans.transactions.get(u.orderId)!.status = "settlement";
        wrong = await post(JSON.stringify(b.midtrans.notification(u.orderId, "settlement", { gross_amount: "1000.00" })));
      } else {
        const { payment } = await b.xendit.pay(u.orderId, 1000, false);
        wrong = await post(JSON.stringify(b.xendit.callbackBody(payment)), { "x-callback-token": b.xendit.callbackToken });
      }
      expect(wrong.status).toBe(200);
      expect(((await wrong.json()) as { outcome: string }).outcome).toBe("flagged");
      const o = await order(u.orderId);
      expect(o.flagged).toBe(true);
      expect(String(o.flag_reason)).toContain("1000");
      expect(o.status).toBe("pending");
      expect(await b.balance(u.userId)).toBe(u.before);
      // Even a correct notification afterwards waits for a person.
      if (provider === "midtrans") {
        const right = await post(JSON.stringify(b.midtrans.notification(u.orderId, "settlement")));
        expect(right.status).toBe(200);
      }
      expect(await b.balance(u.userId)).toBe(u.before);
    });

    test("a notification for an order we never made is 200 and changes nothing", async () => {
      let res: Response;
      if (provider === "midtrans") {
        const body = { transaction_status: "settlement", transaction_id: "00000000-0000-0000-0000-000000000000", status_code: "200", payment_type: "qris", order_id: "SLC-PACK-20250101-unknown", gross_amount: "50000.00", currency: "IDR", fraud_status: "accept" };
        res = await post(JSON.stringify({ ...body, signature_key: midtransSign(body.order_id, "200", "50000.00", b.midtrans.serverKey) }));
      } else {
        const fake = { id: "qrpy_unknown", qrId: "qr_unknown", referenceId: "SLC-PACK-20250101-unknown", amount: 50000, currency: "IDR", status: "SUCCEEDED" as const, created: new Date().toISOString(), refunds: [] };
        res = await post(JSON.stringify(b.xendit.callbackBody(fake)), { "x-callback-token": b.xendit.callbackToken });
      }
      expect(res.status).toBe(200);
      expect(((await res.json()) as { outcome: string }).outcome).toBe("unknown_order");
    });

    test("malformed bodies are 400", async () => {
      const auth: Record<string, string> = provider === "xendit" ? { "x-callback-token": b.xendit.callbackToken } : {};
      for (const raw of ["{not json", "", "[1,2]", '"text"', JSON.stringify({ event: 42 })]) {
        const res = await post(raw, auth);
        expect(res.status).toBe(400);
      }
    });

    test("a payment the provider does not confirm yet is not granted", async () => {
      const u = await pendingPack();
      let res: Response;
      if (provider === "midtrans") {
        // Authentic settlement notification while Get Status still says pending.
        res = await post(JSON.stringify(b.midtrans.notification(u.orderId, "settlement")));
      } else {
        const qr = b.xendit.qrByReference(u.orderId)!;
        const fake = { id: "qrpy_notyet", qrId: qr.id, referenceId: u.orderId, amount: qr.amount, currency: "IDR", status: "SUCCEEDED" as const, created: new Date().toISOString(), refunds: [] };
        res = await post(JSON.stringify(b.xendit.callbackBody(fake)), { "x-callback-token": b.xendit.callbackToken });
      }
      expect(res.status).toBe(200);
      expect(((await res.json()) as { outcome: string }).outcome).toBe("unconfirmed");
      expect((await order(u.orderId)).status).toBe("pending");
      expect(await b.balance(u.userId)).toBe(u.before);
    });

    test("the mock provider's own notification (payer scans) activates the order end to end", async () => {
      const u = await pendingPack();
      const res = await b.pay(provider, u.orderId);
      expect(res?.status).toBe(200);
      const view = await b.gw(`/v1/billing/orders/${u.orderId}`, u.key);
      expect(view.json).toMatchObject({ id: u.orderId, status: "paid", amount_idr: 50_000 });
      expect(await b.balance(u.userId)).toBe(u.before + PACK_MICRO);
    });

    if (provider === "midtrans") {
      test("a late expire after settlement changes nothing; pending after settlement neither", async () => {
        const u = await pendingPack();
        await b.pay("midtrans", u.orderId);
        const late = await post(JSON.stringify(b.midtrans.notification(u.orderId, "expire")));
        expect(late.status).toBe(200);
        expect(((await late.json()) as { outcome: string }).outcome).toBe("stale");
        const pending = await post(JSON.stringify(b.midtrans.notification(u.orderId, "pending")));
        expect(((await pending.json()) as { outcome: string }).outcome).toBe("stale");
        expect((await order(u.orderId)).status).toBe("paid");
        expect(await b.balance(u.userId)).toBe(u.before + PACK_MICRO);
      });

      test("settlement after expire is honoured (the payer paid at the buzzer)", async () => {
        const u = await pendingPack();
        await b.midtrans.transition(u.orderId, "expire");
        expect((await order(u.orderId)).status).toBe("expired");
        await b.midtrans.transition(u.orderId, "settlement");
        expect((await order(u.orderId)).status).toBe("paid");
        expect(await b.balance(u.userId)).toBe(u.before + PACK_MICRO);
      });

      test("when the status API is down the webhook is 503 (retry), and the retry applies", async () => {
        const u = await pendingPack();
        b.midtrans.transactions.get(u.orderId)!.status = "settlement";
        const body = JSON.stringify(b.midtrans.notification(u.orderId, "settlement"));
        b.midtrans.failStatus = true;
        try {
          expect((await post(body)).status).toBe(503);
        } finally {
          b.midtrans.failStatus = false;
        }
        expect(await b.balance(u.userId)).toBe(u.before);
        expect((await post(body)).status).toBe(200);
        expect(await b.balance(u.userId)).toBe(u.before + PACK_MICRO);
      });
    } else {
      test("the legacy v1 callback of an already applied payment is a duplicate", async () => {
        const u = await pendingPack();
        const { payment } = await b.xendit.pay(u.orderId);
        const v1 = await post(JSON.stringify(b.xendit.callbackBodyV1(payment)), { "x-callback-token": b.xendit.callbackToken });
        expect(v1.status).toBe(200);
        expect(((await v1.json()) as { outcome: string }).outcome).toBe("duplicate");
        expect(await b.balance(u.userId)).toBe(u.before + PACK_MICRO);
      });
    }
  });
}
