import { describe, expect, test } from "bun:test";
import { startXenditMock } from "../../../test/mocks/xendit-upstream.ts";
import { runProviderCases } from "../provider.cases.ts";
import { XenditProvider } from "./provider.ts";
import { PaymentProviderError } from "../types.ts";

runProviderCases("xendit", async () => {
  const mock = await startXenditMock();
  const provider = new XenditProvider({ secretKey: mock.secretKey, callbackToken: mock.callbackToken, baseUrl: mock.url });
  const auth = () => new Headers({ "content-type": "application/json", "x-callback-token": mock.callbackToken });
  return {
    provider,
    async pay(orderId) {
      const { payment } = await mock.pay(orderId);
      return { raw: JSON.stringify(mock.callbackBody(payment)), headers: auth() };
    },
    forge: (n) => ({ raw: n.raw, headers: new Headers({ "content-type": "application/json", "x-callback-token": "guessed-token" }) }),
    authHeaders: auth,
    stop: () => mock.stop(),
  };
});

describe("xendit callbacks (payments.md section 2 and 6)", () => {
  const p = new XenditProvider({ secretKey: "xnd_development_x", callbackToken: "test-token-123", baseUrl: "http://127.0.0.1:9" });
  const sample = {
    event: "qr.payment",
    api_version: "2022-07-31",
    business_id: "58cd",
    created: "2025-03-01T03:01:12Z",
    data: {
      id: "qrpy_8182837te-87st-49ing-8696-1239bd4d759c",
      business_id: "58cd",
      currency: "IDR",
      amount: 50000,
      status: "SUCCEEDED",
      created: "2025-03-01T03:01:12Z",
      qr_id: "qr_8182837te-87st-49ing-8696-1239bd4d759c",
      qr_string: "0002",
      reference_id: "LLMGW-TOPUP-20250301-0002",
      type: "DYNAMIC",
      channel_code: "ID_DANA",
      expires_at: "2025-03-01T03:15:00Z",
      description: "",
      basket: null,
      metadata: null,
      payment_detail: { receipt_id: "r", source: "GOPAY", name: null, account_details: null },
    },
  };
  const withToken = (token: string | null) => new Headers(token === null ? {} : { "x-callback-token": token });

  test("the v2 sample with x-callback-token test-token-123 is a paid event keyed on the qrpy id", () => {
    expect(p.verifyWebhook(JSON.stringify(sample), withToken("test-token-123"))).toMatchObject({
      kind: "event",
      event: { state: "paid", orderId: "LLMGW-TOPUP-20250301-0002", amountIdr: 50_000, paymentId: sample.data.id, eventKey: `${sample.data.id}:qr.payment` },
    });
  });

  test("a missing or wrong token is unauthorized before the body is even read", () => {
    expect(p.verifyWebhook(JSON.stringify(sample), withToken(null)).kind).toBe("unauthorized");
    expect(p.verifyWebhook(JSON.stringify(sample), withToken("test-token-12")).kind).toBe("unauthorized");
    expect(p.verifyWebhook("{not json", withToken("nope")).kind).toBe("unauthorized");
  });

  test("the legacy v1 flat shape (status COMPLETED) is accepted too", () => {
    const v1 = { event: "qr.payment", id: "qrpy_1", amount: 50000, status: "COMPLETED", qr_code: { id: "qr_1", external_id: "LLMGW-TOPUP-1", qr_string: "0002", type: "DYNAMIC" } };
    expect(p.verifyWebhook(JSON.stringify(v1), withToken("test-token-123"))).toMatchObject({ kind: "event", event: { state: "paid", orderId: "LLMGW-TOPUP-1", chargeId: "qr_1", currency: "IDR" } });
  });

  test("other events are ignored; a payment without reference or amount is malformed", () => {
    expect(p.verifyWebhook(JSON.stringify({ ...sample, event: "qr.refund" }), withToken("test-token-123")).kind).toBe("ignored");
    const { reference_id: _r, ...noRef } = sample.data;
    expect(p.verifyWebhook(JSON.stringify({ ...sample, data: noRef }), withToken("test-token-123")).kind).toBe("malformed");
  });

  test("a provider that cannot be reached is a PaymentProviderError", async () => {
    await expect(p.status({ orderId: "x", chargeId: "qr_1" })).rejects.toBeInstanceOf(PaymentProviderError);
  });
});
