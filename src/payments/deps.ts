// What the billing code needs, and the side effects it owes the hot store once a
// transaction has committed (Postgres first, then the hot store, as db/accounts.ts does).
import type { Database } from "../../db/client.ts";
import { refreshUserKeys, type DefaultLimits } from "../../db/accounts.ts";
import type { PaymentsConfig } from "../config.ts";
import type { HotStore } from "../store/types.ts";
import type { PaymentProviders } from "./index.ts";

export interface BillingDeps {
  database: Database;
  store: HotStore;
  providers: PaymentProviders;
  payments: PaymentsConfig;
  defaultLimits: DefaultLimits;
  /** The clock; tests move it to cross period ends. */
  now?: () => Date;
}

export function nowOf(deps: BillingDeps): Date {
  return deps.now ? deps.now() : new Date();
}

export class BillingError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Hot-store work collected inside a transaction and run only after it committed. */
export class Effects {
  readonly credits: { userId: string; micro: bigint }[] = [];
  readonly limitsChanged = new Set<string>();

  credit(userId: string, micro: bigint): void {
    if (micro !== 0n) this.credits.push({ userId, micro });
  }

  async apply(deps: BillingDeps): Promise<void> {
    for (const c of this.credits) await deps.store.addBalance(c.userId, c.micro);
    for (const userId of this.limitsChanged) await refreshUserKeys(deps.database, deps.store, userId, deps.defaultLimits);
  }
}
