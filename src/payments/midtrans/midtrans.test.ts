import { describe, expect, test } from "bun:test";
import { startMidtransMock } from "../../../test/mocks/midtrans-upstream.ts";
import { runProviderCases } from "../provider.cases.ts";
import { MidtransProvider, midtransSignature } from "./provider.ts";
import { PaymentProviderError } from "../types.ts";

runProviderCases("midtrans", async () => {
  const mock = await startMidtransMock();
  const provider = new MidtransProvider({ serverKey: mock.serverKey, baseUrl: mock.url });
  return {
    provider,
    async pay(orderId) {
      mock.transactions.get(orderId)!.status = "settlement";
      const body = mock.notification(orderId, "settlement");
      return { raw: JSON.stringify(body), headers: new Headers({ "content-type": "application/json" }) };
    },
    forge(n) {
      const body = JSON.parse(n.raw) as Record<string, string>;
      // A different amount with the old signature: what an attacker who cannot sign would send.
      return { raw: JSON.stringify({ ...body, gross_amount: "1.00" }), headers: n.headers };
    },
    authHeaders: () => new Headers({ "content-type": "application/json" }),
    stop: () => mock.stop(),
  };
});

// The fixtures of payments.md section 6, with its fake server key.
const KEY = "SB-Mid-server-TEST_ONLY_not_a_real_key";
const settlement = {
  transaction_type: "off-us",
  transaction_time: "2025-03-01 10:00:05",
  transaction_status: "settlement",
  transaction_id: "3f1c2a9e-0b7d-4c1e-9a51-1d2e3f4a5b6c",
  status_message: "midtrans payment notification",
  status_code: "200",
  signature_key: "a74e6a74a41008050ddedaff03a00a0f0c03dc380a015033238de3321bedd80e229afcebf5af430964e0a044089e8a3e7dc35f263576c3b842c998ea2fa73392",
  settlement_time: "2025-03-01 10:01:12",
  payment_type: "qris",
  order_id: "LLMGW-PLAN-20250301-0001",
  merchant_id: "G000000000",
  issuer: "dana",
  gross_amount: "149000.00",
  fraud_status: "accept",
  currency: "IDR",
  acquirer: "gopay",
};

describe("midtrans notifications (payments.md section 6 samples)", () => {
  const p = new MidtransProvider({ serverKey: KEY, baseUrl: "http://127.0.0.1:9" });
  const verify = (body: Record<string, string>) => p.verifyWebhook(JSON.stringify(body), new Headers());

  test("the documented signatures are what we compute", () => {
    expect(midtransSignature("LLMGW-PLAN-20250301-0001", "201", "149000.00", KEY)).toBe(
      "fe5b7ee11d07b08944b7f798405892de66b311b04920491d104e2bc049746a5b9705349eb9ba83eeff1de0c6c6a2f34730ef35df7d8fe57a2148b848c47e3254",
    );
    expect(midtransSignature("LLMGW-PLAN-20250301-0001", "202", "149000.00", KEY)).toBe(
      "4aa8ae09c59bbc1269501f466d43347ac0e4b6f75bf3a78665f735bdd0cd14af24255fcbc1522d326e599f0a8777124d61be05f389f1ef3fcc69129f25fc9cf7",
    );
    expect(midtransSignature("LLMGW-TOPUP-20250301-0002", "200", "50000.00", KEY)).toBe(
      "883358bf349f6778aca6a874ee2ec806ba1c5c50068e4c0967926ecd20dc200dac1796542fbf3b907c2a4f9b21b0ca079af4b0642a7dd0b658a1712788633ba2",
    );
  });

  test("the settlement sample verifies as paid, 149000 IDR", () => {
    const v = verify(settlement);
    expect(v).toMatchObject({ kind: "event", event: { state: "paid", amountIdr: 149_000, orderId: "LLMGW-PLAN-20250301-0001", eventKey: "3f1c2a9e-0b7d-4c1e-9a51-1d2e3f4a5b6c:settlement" } });
  });

  test('hashing "149000" instead of "149000.00" does not verify', () => {
    const wrong = midtransSignature(settlement.order_id, "200", "149000", KEY);
    expect(wrong.startsWith("fc67978f")).toBe(true);
    expect(verify({ ...settlement, signature_key: wrong }).kind).toBe("unauthorized");
    expect(verify({ ...settlement, gross_amount: "149000" }).kind).toBe("unauthorized");
  });

  test("the expire sample maps to expired; an unknown status is ignored, not an error", () => {
    const expire = { ...settlement, transaction_status: "expire", status_code: "202", signature_key: midtransSignature(settlement.order_id, "202", "149000.00", KEY) };
    expect(verify(expire)).toMatchObject({ kind: "event", event: { state: "expired" } });
    expect(verify({ ...expire, transaction_status: "authorize" }).kind).toBe("ignored");
  });

  test("a settlement refused by fraud detection is a failure; missing fields are malformed", () => {
    expect(verify({ ...settlement, fraud_status: "deny" })).toMatchObject({ kind: "event", event: { state: "failed" } });
    const { signature_key: _drop, ...unsigned } = settlement;
    expect(verify(unsigned as Record<string, string>).kind).toBe("malformed");
  });

  test("a non-whole amount parses to null (so the order is flagged, never credited)", () => {
    const odd = { ...settlement, gross_amount: "149000.50", signature_key: midtransSignature(settlement.order_id, "200", "149000.50", KEY) };
    expect(verify(odd)).toMatchObject({ kind: "event", event: { amountIdr: null } });
  });

  test("a provider that cannot be reached is a PaymentProviderError", async () => {
    await expect(p.status({ orderId: "x", chargeId: null })).rejects.toBeInstanceOf(PaymentProviderError);
  });
});
