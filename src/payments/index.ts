// Builds the configured payment providers. Both may be configured at once: PAYMENT_PROVIDER
// picks the one that creates new charges, while notifications and status checks go to
// whichever created the order.
import type { PaymentsConfig } from "../config.ts";
import { MidtransProvider } from "./midtrans/provider.ts";
import { XenditProvider } from "./xendit/provider.ts";
import type { PaymentProvider, ProviderName } from "./types.ts";

export interface PaymentProviders {
  /** Creates new charges; null when no provider is configured (checkout answers 503). */
  primary: PaymentProvider | null;
  byName: Partial<Record<ProviderName, PaymentProvider>>;
}

export function createPaymentProviders(cfg: PaymentsConfig, doFetch?: typeof fetch): PaymentProviders {
  const byName: PaymentProviders["byName"] = {};
  if (cfg.midtrans) byName.midtrans = new MidtransProvider({ ...cfg.midtrans, fetch: doFetch });
  if (cfg.xendit) byName.xendit = new XenditProvider({ ...cfg.xendit, fetch: doFetch });
  return { primary: cfg.provider ? (byName[cfg.provider] ?? null) : null, byName };
}

export type * from "./types.ts";
