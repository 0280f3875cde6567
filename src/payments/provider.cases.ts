// One behavioural suite for every PaymentProvider, run against each provider's mock (the
// same pattern as src/store/store.cases.ts): what the billing code relies on, whatever the
// provider's wire format.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { qrisProblems } from "../../test/mocks/midtrans-upstream.ts";
import type { PaymentProvider } from "./types.ts";

export interface ProviderFixture {
  provider: PaymentProvider;
  /** The payer pays the order at the provider; returns the notification the provider sends. */
  pay(orderId: string, amountIdr?: number): Promise<{ raw: string; headers: Headers }>;
  /** The same notification, altered so that its authentication no longer holds. */
  forge(n: { raw: string; headers: Headers }): { raw: string; headers: Headers };
  /** Headers that authenticate a body we write ourselves (malformed-body cases). */
  authHeaders(): Headers;
  stop(): Promise<void>;
}

let seq = 0;
const orderId = () => `SLC-TEST-${Date.now()}-${++seq}`;
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000);

export function runProviderCases(name: string, setup: () => Promise<ProviderFixture>): void {
  describe(`payment provider: ${name}`, () => {
    let f: ProviderFixture;
    beforeAll(async () => {
      f = await setup();
    });
    afterAll(() => f.stop());

    const charge = async (amountIdr = 149_000) => {
      const id = orderId();
      const c = await f.provider.createCharge({ orderId: id, amountIdr, expiresAt: inMinutes(15), itemName: "Explore plan", itemId: "explore", customerEmail: "u@example.com" });
      return { id, charge: c };
    };

    test("creates a dynamic QRIS charge whose payload carries the amount and a valid CRC", async () => {
      const { charge: c } = await charge(149_000);
      expect(c.chargeId.length).toBeGreaterThan(0);
      expect(c.qrString).not.toBeNull();
      expect(qrisProblems(c.qrString!, 149_000)).toEqual([]);
      expect(c.expiresAt.getTime()).toBeGreaterThan(Date.now());
    });

    test("status: pending before payment, paid with the amount after, null for an unknown order", async () => {
      const { id, charge: c } = await charge(50_000);
      const before = await f.provider.status({ orderId: id, chargeId: c.chargeId });
      expect(before?.state).toBe("pending");
      await f.pay(id);
      const after = await f.provider.status({ orderId: id, chargeId: c.chargeId });
      expect(after).toMatchObject({ state: "paid", orderId: id, amountIdr: 50_000, currency: "IDR" });
      expect(await f.provider.status({ orderId: "SLC-NOPE-1", chargeId: "qr_nope" })).toBeNull();
    });

    test("an authentic payment notification parses to a paid event with a stable idempotency key", async () => {
      const { id, charge: c } = await charge(299_000);
      const n = await f.pay(id);
      const v1 = f.provider.verifyWebhook(n.raw, n.headers);
      const v2 = f.provider.verifyWebhook(n.raw, n.headers);
      expect(v1.kind).toBe("event");
      if (v1.kind !== "event" || v2.kind !== "event") throw new Error("unreachable");
      expect(v1.event).toMatchObject({ provider: name, orderId: id, state: "paid", amountIdr: 299_000, currency: "IDR" });
      expect(v1.event.chargeId).toBe(c.chargeId);
      expect(v2.event.eventKey).toBe(v1.event.eventKey);
    });

    test("a forged notification is unauthorized; a malformed body is malformed", async () => {
      const { id } = await charge(99_000);
      const n = await f.pay(id);
      expect(f.provider.verifyWebhook(f.forge(n).raw, f.forge(n).headers).kind).toBe("unauthorized");
      expect(f.provider.verifyWebhook("{not json", f.authHeaders()).kind).toBe("malformed");
      expect(f.provider.verifyWebhook("[]", f.authHeaders()).kind).toBe("malformed");
    });

    test("refunds a paid order, idempotent on our refund id", async () => {
      const { id, charge: c } = await charge(150_000);
      await f.pay(id);
      const paid = await f.provider.status({ orderId: id, chargeId: c.chargeId });
      const req = { refundId: `rfd_${id}`, orderId: id, chargeId: c.chargeId, paymentId: paid?.paymentId ?? null, amountIdr: 50_000, reason: "test" };
      const first = await f.provider.refund(req);
      const again = await f.provider.refund(req);
      expect(["succeeded", "pending"]).toContain(first.status);
      expect(again.status).toBe("succeeded");
    });
  });
}
