// A Sluice with both mock payment providers wired in (PAYMENT_PROVIDER picks which one
// creates charges), their notifications aimed at the gateway's webhook routes, and small
// helpers to call the user billing API with a key.
import { startHarness, type Harness } from "../helpers/harness.ts";
import { startMidtransMock, type MidtransMock } from "../mocks/midtrans-upstream.ts";
import { startXenditMock, type XenditMock } from "../mocks/xendit-upstream.ts";
import { createPaymentProviders } from "../../src/payments/index.ts";
import type { BillingDeps } from "../../src/payments/deps.ts";

export interface BillingHarness {
  h: Harness;
  midtrans: MidtransMock;
  xendit: XenditMock;
  /** Calls the gateway with an API key; JSON in and out. */
  gw(path: string, key: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }>;
  /** Billing dependencies over this instance's database and store, with a clock of our choosing. */
  deps(now?: () => Date): BillingDeps;
  /** Balance in micro-credits as the admin API reports it. */
  balance(userId: string): Promise<number>;
  /** The provider notifies our webhook that the order was paid (the payer scanned the QR). */
  pay(provider: "midtrans" | "xendit", orderId: string): Promise<Response | null>;
  stop(): Promise<void>;
}

export async function startBillingHarness(provider: "midtrans" | "xendit" = "midtrans", env: Record<string, string> = {}): Promise<BillingHarness> {
  const midtrans = await startMidtransMock();
  const xendit = await startXenditMock();
  const h = await startHarness({
    MIDTRANS_SERVER_KEY: midtrans.serverKey,
    MIDTRANS_BASE_URL: midtrans.url,
    XENDIT_SECRET_KEY: xendit.secretKey,
    XENDIT_CALLBACK_TOKEN: xendit.callbackToken,
    XENDIT_BASE_URL: xendit.url,
    PAYMENT_PROVIDER: provider,
    // Tests run the billing job themselves, with their own clock.
    BILLING_JOB_INTERVAL_MS: "0",
    PROVIDER_KEY_SECRET: "test-provider-key-secret",
    ...env,
  });
  midtrans.notificationUrl = `${h.sluice.gatewayUrl}/webhooks/midtrans`;
  xendit.callbackUrl = `${h.sluice.gatewayUrl}/webhooks/xendit`;

  const gw: BillingHarness["gw"] = async (path, key, init = {}) => {
    const res = await fetch(`${h.sluice.gatewayUrl}${path}`, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown>, headers: res.headers };
  };

  return {
    h,
    midtrans,
    xendit,
    gw,
    deps: (now) => ({
      database: h.sluice.database,
      store: h.sluice.store,
      providers: createPaymentProviders(h.config.payments),
      payments: h.config.payments,
      defaultLimits: h.config.defaultLimits,
      now,
    }),
    async balance(userId) {
      return Number((await h.admin(`/users/${userId}`)).json.balance_micro);
    },
    async pay(which, orderId) {
      if (which === "midtrans") return midtrans.transition(orderId, "settlement");
      return (await xendit.pay(orderId)).response;
    },
    async stop() {
      await h.stop();
      await midtrans.stop();
      await xendit.stop();
    },
  };
}
