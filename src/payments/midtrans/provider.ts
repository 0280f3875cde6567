// Midtrans Core API, QRIS (payments.md section 1): charge, Get Status, notification
// verification (SHA-512 signature_key over fields, not the raw bytes), direct refund.
import { createHash } from "node:crypto";
import { parseIdr } from "../money.ts";
import {
  PaymentProviderError,
  safeEqual,
  type Charge,
  type ChargeRequest,
  type PaymentEvent,
  type PaymentProvider,
  type PaymentState,
  type RefundRequest,
  type WebhookVerdict,
} from "../types.ts";

export interface MidtransOptions {
  serverKey: string;
  baseUrl: string;
  /** When set, notifications for another merchant are ignored (payments.md 5.3). */
  merchantId?: string;
  fetch?: typeof fetch;
}

export function midtransSignature(orderId: string, statusCode: string, grossAmount: string, serverKey: string): string {
  return createHash("sha512").update(orderId + statusCode + grossAmount + serverKey).digest("hex");
}

type Json = Record<string, unknown>;

function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

function mapState(body: Json): PaymentState | null {
  const status = str(body.transaction_status);
  const fraud = str(body.fraud_status);
  // Midtrans: success needs fraud_status accept, or no fraud_status at all.
  const fraudOk = fraud === null || fraud === "accept";
  switch (status) {
    case "pending":
      return "pending";
    case "settlement":
    case "capture":
      return fraudOk ? "paid" : "failed";
    case "expire":
      return "expired";
    case "cancel":
      return "canceled";
    case "deny":
    case "failure":
      return "failed";
    case "refund":
    case "chargeback":
      return "refunded";
    case "partial_refund":
    case "partial_chargeback":
      return "partially_refunded";
    default:
      return null;
  }
}

export class MidtransProvider implements PaymentProvider {
  readonly name = "midtrans" as const;
  private readonly doFetch: typeof fetch;
  private readonly baseUrl: string;

  constructor(private readonly opts: MidtransOptions) {
    this.doFetch = opts.fetch ?? fetch;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
  }

  private headers(): Record<string, string> {
    return {
      authorization: "Basic " + Buffer.from(this.opts.serverKey + ":").toString("base64"),
      accept: "application/json",
      "content-type": "application/json",
    };
  }

  private async call(method: string, path: string, body?: unknown): Promise<{ http: number; json: Json }> {
    let res: Response;
    try {
      res = await this.doFetch(this.baseUrl + path, { method, headers: this.headers(), body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new PaymentProviderError(`midtrans unreachable: ${err instanceof Error ? err.message : String(err)}`);
    }
    const text = await res.text();
    let json: Json = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) json = parsed as Json;
    } catch {
      throw new PaymentProviderError(`midtrans answered ${res.status} with a non-JSON body`, res.status);
    }
    return { http: res.status, json };
  }

  async createCharge(req: ChargeRequest): Promise<Charge> {
    // Always explicit: the QRIS default expiry is not documented in text (payments.md 1).
    const minutes = Math.max(1, Math.ceil((req.expiresAt.getTime() - Date.now()) / 60_000));
    const { http, json } = await this.call("POST", "/v2/charge", {
      payment_type: "qris",
      transaction_details: { order_id: req.orderId, gross_amount: req.amountIdr },
      item_details: [{ id: req.itemId, price: req.amountIdr, quantity: 1, name: req.itemName.slice(0, 50) }],
      ...(req.customerEmail ? { customer_details: { email: req.customerEmail } } : {}),
      qris: { acquirer: "gopay" },
      custom_expiry: { expiry_duration: minutes, unit: "minute" },
    });
    const code = str(json.status_code);
    const transactionId = str(json.transaction_id);
    if (http >= 300 || code !== "201" || !transactionId) {
      throw new PaymentProviderError(`midtrans charge refused: ${code ?? http} ${str(json.status_message) ?? ""}`.trim(), http);
    }
    const actions = Array.isArray(json.actions) ? (json.actions as Json[]) : [];
    const qrAction = actions.find((a) => a.name === "generate-qr-code") ?? actions.find((a) => a.name === "generate-qr-code-v2");
    return {
      chargeId: transactionId,
      qrString: str(json.qr_string),
      qrImageUrl: qrAction ? str(qrAction.url) : null,
      expiresAt: req.expiresAt,
    };
  }

  async status(order: { orderId: string; chargeId: string | null }): Promise<PaymentEvent | null> {
    const { http, json } = await this.call("GET", `/v2/${encodeURIComponent(order.orderId)}/status`);
    if (http === 404 || str(json.status_code) === "404") return null;
    if (http >= 300) throw new PaymentProviderError(`midtrans status answered ${http}`, http);
    const parsed = this.parse(json);
    if (parsed.kind !== "event") {
      throw new PaymentProviderError(`midtrans status response not usable: ${parsed.reason}`);
    }
    return parsed.event;
  }

  verifyWebhook(rawBody: string, _headers: Headers): WebhookVerdict {
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      return { kind: "malformed", reason: "body is not JSON" };
    }
    if (!body || typeof body !== "object" || Array.isArray(body)) return { kind: "malformed", reason: "body is not an object" };
    return this.parse(body as Json);
  }

  /** Shared by notifications and Get Status, which carry the same fields and signature. */
  private parse(body: Json): WebhookVerdict {
    const orderId = str(body.order_id);
    const statusCode = str(body.status_code);
    const gross = str(body.gross_amount);
    const signature = str(body.signature_key);
    if (!orderId || !statusCode || !gross || !signature) {
      return { kind: "malformed", reason: "order_id, status_code, gross_amount and signature_key are required strings" };
    }
    // Exactly the strings as sent: "149000.00" and "149000" hash differently.
    if (!safeEqual(signature.toLowerCase(), midtransSignature(orderId, statusCode, gross, this.opts.serverKey))) {
      return { kind: "unauthorized", reason: "signature_key does not match" };
    }
    if (this.opts.merchantId && str(body.merchant_id) !== null && body.merchant_id !== this.opts.merchantId) {
      return { kind: "ignored", reason: `merchant_id ${String(body.merchant_id)} is not ours` };
    }
    const paymentType = str(body.payment_type);
    if (paymentType !== null && paymentType !== "qris") return { kind: "ignored", reason: `payment_type ${paymentType}` };
    const state = mapState(body);
    const txStatus = str(body.transaction_status) ?? "";
    if (!state) return { kind: "ignored", reason: `transaction_status ${txStatus}` };
    // status_code is a sanity check only; a settlement must say 200.
    if (state === "paid" && statusCode !== "200") return { kind: "ignored", reason: `settlement with status_code ${statusCode}` };
    const transactionId = str(body.transaction_id);
    return {
      kind: "event",
      event: {
        provider: "midtrans",
        orderId,
        eventKey: `${transactionId ?? orderId}:${txStatus}`,
        state,
        chargeId: transactionId,
        paymentId: state === "paid" ? transactionId : null,
        amountIdr: parseIdr(gross),
        // Midtrans QRIS is IDR only and its samples always name it; absent means IDR.
        currency: str(body.currency) ?? "IDR",
        merchantId: str(body.merchant_id),
      },
    };
  }

  async refund(req: RefundRequest): Promise<{ providerRefundId: string; status: "succeeded" | "pending" }> {
    const { http, json } = await this.call("POST", `/v2/${encodeURIComponent(req.orderId)}/refund/online/direct`, {
      refund_key: req.refundId,
      amount: req.amountIdr,
      reason: req.reason.slice(0, 255),
    });
    const code = str(json.status_code);
    // 406 "Duplicate refund ID": our refund id is the idempotency key, so a retry lands here.
    if (code === "406" && /duplicate/i.test(str(json.status_message) ?? "")) return { providerRefundId: req.refundId, status: "succeeded" };
    if (http >= 300 || (code !== "200" && code !== "201")) {
      throw new PaymentProviderError(`midtrans refund refused: ${code ?? http} ${str(json.status_message) ?? ""}`.trim(), http);
    }
    return { providerRefundId: str(json.refund_chargeback_id) ?? str(json.refund_key) ?? req.refundId, status: "succeeded" };
  }
}
