// GET /v1/balance for status lines and widgets: never an error for a missing key, so a
// widget renders neutrally (balance_usd: null).
import { Elysia } from "elysia";
import { microToCredits, microToUsdNumber } from "../../metering/money.ts";
import type { HotStore } from "../../store/types.ts";
import type { KeyAuthenticator } from "../auth.ts";

export function balanceRoutes(deps: { store: HotStore; auth: KeyAuthenticator; creditUsd: string }) {
  return new Elysia({ name: "balance" }).get(
    "/v1/balance",
    async ({ request }) => {
      const updated_at = new Date().toISOString();
      const key = await deps.auth.authenticate(request.headers);
      if (!key) return { balance_usd: null, balance_credits: null, currency: "USD" as const, updated_at };
      const micro = (await deps.store.getBalance(key.userId)) ?? 0n;
      return {
        balance_usd: microToUsdNumber(micro, deps.creditUsd),
        balance_credits: Number(microToCredits(micro)),
        currency: "USD" as const,
        updated_at,
      };
    },
    { detail: { summary: "Caller credit balance (USD)", tags: ["Billing"] } },
  );
}
