// What every admin route module shares: dependencies, the error type, the actor of a request.
import type { Database } from "../db/client.ts";
import type { DefaultLimits } from "../db/accounts.ts";
import type { ProviderKeyBox } from "../db/provider-keys.ts";
import type { HotStore } from "../src/store/types.ts";
import { BillingError, type BillingDeps } from "../src/payments/deps.ts";
import { creditsToMicro } from "../src/metering/money.ts";

import type { Cooldowns } from "../src/routing/cooldown.ts";

export interface AdminDeps {
  database: Database;
  store: HotStore;
  adminTokenHash: string;
  defaultLimits: DefaultLimits;
  signupMicro: bigint;
  /** Plans, orders, refunds; absent only in setups without billing. */
  billing?: BillingDeps;
  /** Seals provider API keys; absent in setups that never store one. */
  providerKeys?: ProviderKeyBox;
  /** This instance's circuit breakers, for the deployment health view. */
  cooldowns?: Cooldowns;
  /** Where usage reports read (DATABASE_REPLICA_URL); `database` when absent. */
  reports?: Database;
}

export class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Who made a change, for the audit log. The token is shared, so an operator may name
 * themselves with x-admin-actor; the token stays the authority either way.
 */
export function actorOf(request: Request): string {
  const named = request.headers.get("x-admin-actor")?.trim();
  return named ? `admin-token:${named.slice(0, 64)}` : "admin-token";
}

export function billingOf(deps: AdminDeps): BillingDeps {
  if (!deps.billing) throw new AdminError(503, "Billing is not enabled on this instance.");
  return deps.billing;
}

/** Runs billing code, turning its errors into admin errors with the same status. */
export async function viaBilling<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof BillingError) throw new AdminError(err.status, err.message);
    throw err;
  }
}

/** Credits as JSON numbers or decimal strings, at most 6 decimals, to micro-credits. */
export function parseCredits(field: string, value: number | string, opts: { min?: bigint } = {}): bigint {
  let micro: bigint;
  try {
    micro = creditsToMicro(value);
  } catch {
    throw new AdminError(400, `${field}: a number of credits with at most 6 decimals.`);
  }
  if (opts.min !== undefined && micro < opts.min) throw new AdminError(400, `${field}: must be at least ${opts.min === 0n ? "0" : opts.min.toString()}.`);
  return micro;
}
