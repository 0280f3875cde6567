import { timingSafeEqual } from "node:crypto";

// The contract every QRIS payment provider implements. Providers speak their own HTTP APIs
// and notification formats; everything above this interface sees only PaymentEvent.

export type ProviderName = "midtrans" | "xendit";

/** Our order states, ranked so that a notification can never move an order backwards. */
export type PaymentState = "pending" | "expired" | "canceled" | "failed" | "paid" | "partially_refunded" | "refunded";

export const STATE_RANK: Record<PaymentState, number> = {
  pending: 1,
  expired: 2,
  canceled: 2,
  failed: 2,
  paid: 3,
  partially_refunded: 4,
  refunded: 5,
};

export interface PaymentEvent {
  provider: ProviderName;
  /** Our order id (Midtrans order_id, Xendit reference_id). */
  orderId: string;
  /** What makes this notification unique at the provider; the idempotency key. */
  eventKey: string;
  state: PaymentState;
  /** The provider's id of the charge (Midtrans transaction_id, Xendit qr id), when given. */
  chargeId: string | null;
  /** The provider's id of the payment itself (Midtrans transaction_id, Xendit qrpy_ id). */
  paymentId: string | null;
  /** Whole rupiah, or null when the notification's amount is not a whole rupiah. */
  amountIdr: number | null;
  currency: string;
  /** Midtrans only: checked against MIDTRANS_MERCHANT_ID when that is configured. */
  merchantId?: string | null;
}

export interface ChargeRequest {
  orderId: string;
  amountIdr: number;
  expiresAt: Date;
  itemName: string;
  itemId: string;
  customerEmail: string | null;
}

export interface Charge {
  chargeId: string;
  /** The EMVCo payload; Midtrans does not put it in every response, then only the image URL is known. */
  qrString: string | null;
  qrImageUrl: string | null;
  expiresAt: Date;
}

export type WebhookVerdict =
  | { kind: "event"; event: PaymentEvent }
  /** Authentic, but about nothing we act on (another event type). */
  | { kind: "ignored"; reason: string }
  | { kind: "unauthorized"; reason: string }
  | { kind: "malformed"; reason: string };

export interface RefundRequest {
  refundId: string;
  orderId: string;
  chargeId: string | null;
  paymentId: string | null;
  amountIdr: number;
  reason: string;
}

export interface PaymentProvider {
  readonly name: ProviderName;
  createCharge(req: ChargeRequest): Promise<Charge>;
  /** The provider's current truth about an order; null when it does not know the order. */
  status(order: { orderId: string; chargeId: string | null }): Promise<PaymentEvent | null>;
  /** Authenticates and parses one notification from its raw body and headers. */
  verifyWebhook(rawBody: string, headers: Headers): WebhookVerdict;
  refund(req: RefundRequest): Promise<{ providerRefundId: string; status: "succeeded" | "pending" }>;
}

export class PaymentProviderError extends Error {
  constructor(
    message: string,
    readonly httpStatus: number | null = null,
  ) {
    super(message);
  }
}

/** Constant-time comparison of two strings of any length (hash both to equal length first). */
export function safeEqual(a: string, b: string): boolean {
  const ha = new Bun.CryptoHasher("sha256").update(a).digest();
  const hb = new Bun.CryptoHasher("sha256").update(b).digest();
  // Both digests always compared in full, so timing reveals neither content nor length.
  return timingSafeEqual(ha, hb) && a.length === b.length;
}
