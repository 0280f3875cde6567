// Xendit QR Codes API v2 (payments.md section 2). Callbacks are authenticated only by the
// account's static x-callback-token, not by a signature of the body, so the billing service
// re-reads the payment from the API before granting anything.
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

export interface XenditOptions {
  secretKey: string;
  callbackToken: string;
  baseUrl: string;
  fetch?: typeof fetch;
}

const API_VERSION = "2022-07-31";

type Json = Record<string, unknown>;

function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

function obj(v: unknown): Json | null {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : null;
}

function paymentState(status: string | null): PaymentState | null {
  if (status === "SUCCEEDED" || status === "COMPLETED") return "paid";
  if (status === "FAILED") return "failed";
  return null;
}

export class XenditProvider implements PaymentProvider {
  readonly name = "xendit" as const;
  private readonly doFetch: typeof fetch;
  private readonly baseUrl: string;

  constructor(private readonly opts: XenditOptions) {
    this.doFetch = opts.fetch ?? fetch;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
  }

  private async call(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<{ http: number; json: Json }> {
    let res: Response;
    try {
      res = await this.doFetch(this.baseUrl + path, {
        method,
        headers: {
          authorization: "Basic " + Buffer.from(this.opts.secretKey + ":").toString("base64"),
          "api-version": API_VERSION,
          "content-type": "application/json",
          ...extra,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new PaymentProviderError(`xendit unreachable: ${err instanceof Error ? err.message : String(err)}`);
    }
    const text = await res.text();
    let parsed: unknown = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw new PaymentProviderError(`xendit answered ${res.status} with a non-JSON body`, res.status);
    }
    return { http: res.status, json: obj(parsed) ?? {} };
  }

  async createCharge(req: ChargeRequest): Promise<Charge> {
    const { http, json } = await this.call(
      "POST",
      "/qr_codes",
      {
        reference_id: req.orderId,
        type: "DYNAMIC",
        currency: "IDR",
        amount: req.amountIdr,
        expires_at: req.expiresAt.toISOString(),
        metadata: { item_id: req.itemId },
      },
      // A retried create must not mint a second QR for the same order.
      { "idempotency-key": req.orderId },
    );
    const id = str(json.id);
    if (http >= 300 || !id) throw new PaymentProviderError(`xendit create QR refused: ${http} ${str(json.error_code) ?? ""}`.trim(), http);
    const expires = str(json.expires_at);
    return { chargeId: id, qrString: str(json.qr_string), qrImageUrl: null, expiresAt: expires ? new Date(expires) : req.expiresAt };
  }

  async status(order: { orderId: string; chargeId: string | null }): Promise<PaymentEvent | null> {
    if (!order.chargeId) return null;
    const qrPath = `/qr_codes/${encodeURIComponent(order.chargeId)}`;
    const payments = await this.call("GET", `${qrPath}/payments`);
    if (payments.http === 404) return null;
    if (payments.http >= 300) throw new PaymentProviderError(`xendit payments answered ${payments.http}`, payments.http);
    const list = Array.isArray(payments.json.data) ? payments.json.data.map(obj).filter((p): p is Json => p !== null) : [];
    const paid = list.find((p) => paymentState(str(p.status)) === "paid");
    if (paid) {
      const paymentId = str(paid.id) ?? order.chargeId;
      return {
        provider: "xendit",
        orderId: str(paid.reference_id) ?? order.orderId,
        eventKey: `${paymentId}:qr.payment`,
        state: "paid",
        chargeId: order.chargeId,
        paymentId,
        amountIdr: parseIdr(paid.amount),
        currency: str(paid.currency) ?? "IDR",
      };
    }
    const qr = await this.call("GET", qrPath);
    if (qr.http === 404) return null;
    if (qr.http >= 300) throw new PaymentProviderError(`xendit QR answered ${qr.http}`, qr.http);
    const expiresAt = str(qr.json.expires_at);
    const expired = str(qr.json.status) === "INACTIVE" || (expiresAt !== null && new Date(expiresAt).getTime() < Date.now());
    return {
      provider: "xendit",
      orderId: str(qr.json.reference_id) ?? order.orderId,
      eventKey: `${order.chargeId}:${expired ? "expired" : "active"}`,
      state: expired ? "expired" : "pending",
      chargeId: order.chargeId,
      paymentId: null,
      amountIdr: parseIdr(qr.json.amount),
      currency: str(qr.json.currency) ?? "IDR",
    };
  }

  verifyWebhook(rawBody: string, headers: Headers): WebhookVerdict {
    // The token is checked before the body is even parsed: unauthenticated input gets 401.
    const token = headers.get("x-callback-token");
    if (token === null || !safeEqual(token, this.opts.callbackToken)) return { kind: "unauthorized", reason: "x-callback-token does not match" };
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawBody);
    } catch {
      return { kind: "malformed", reason: "body is not JSON" };
    }
    const body = obj(parsed);
    if (!body) return { kind: "malformed", reason: "body is not an object" };
    const event = str(body.event);
    if (event === null) return { kind: "malformed", reason: "event is required" };
    if (event !== "qr.payment") return { kind: "ignored", reason: `event ${event}` };
    // v2 (api_version 2022-07-31) nests the payment in data; legacy v1 is flat (payments.md 2).
    const data = obj(body.data);
    const v1Qr = obj(body.qr_code);
    const p = data ?? body;
    const paymentId = str(p.id);
    const orderId = data ? str(data.reference_id) : v1Qr ? str(v1Qr.external_id) : null;
    const qrId = data ? str(data.qr_id) : v1Qr ? str(v1Qr.id) : null;
    if (!paymentId || !orderId || p.amount === undefined) return { kind: "malformed", reason: "payment id, reference and amount are required" };
    const state = paymentState(str(p.status));
    if (!state) return { kind: "ignored", reason: `payment status ${String(p.status)}` };
    return {
      kind: "event",
      event: {
        provider: "xendit",
        orderId,
        eventKey: `${paymentId}:${event}`,
        state,
        chargeId: qrId,
        paymentId,
        amountIdr: parseIdr(p.amount),
        currency: str(p.currency) ?? "IDR",
      },
    };
  }

  async refund(req: RefundRequest): Promise<{ providerRefundId: string; status: "succeeded" | "pending" }> {
    if (!req.paymentId) throw new PaymentProviderError("xendit refund needs the qrpy_ payment id");
    const { http, json } = await this.call(
      "POST",
      `/qr_codes/payments/${encodeURIComponent(req.paymentId)}/refunds`,
      { amount: req.amountIdr, reason: req.reason.slice(0, 255), reference_id: req.refundId },
      { "idempotency-key": req.refundId },
    );
    if (http >= 300) throw new PaymentProviderError(`xendit refund refused: ${http} ${str(json.error_code) ?? ""}`.trim(), http);
    return { providerRefundId: str(json.id) ?? req.refundId, status: str(json.status) === "SUCCEEDED" ? "succeeded" : "pending" };
  }
}
