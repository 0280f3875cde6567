// Model resolution and admission refusals, worded once for every endpoint that authenticates
// a key and admits a request, so a client sees the same messages everywhere.
import type { Catalog, CatalogModel } from "../routing/catalog.ts";
import type { KeyRecord } from "../store/types.ts";
import { GatewayError } from "./errors.ts";
import { microToUsd } from "../metering/money.ts";

export function resolveModel(catalog: Catalog, id: string, key: KeyRecord): CatalogModel {
  const model = catalog.get(id);
  if (!model || model.status !== "active") {
    throw new GatewayError("not_found", `The model '${id}' does not exist. GET /v1/models lists the models you can use.`, {
      param: "model",
      code: "model_not_found",
    });
  }
  if (key.allowedModels && !key.allowedModels.includes(model.id)) {
    throw new GatewayError("permission", `This API key is not allowed to use the model '${model.id}'.`, {
      param: "model",
      code: "model_not_allowed",
    });
  }
  return model;
}

export function refusal(
  reason: "balance" | "rpm" | "concurrency" | "spend",
  retryAfter: number,
  key: KeyRecord,
  hold?: { holdMicro: bigint; balanceMicro: bigint; creditUsd: string },
): GatewayError {
  if (reason === "balance") {
    // The hold covers the worst case (max output); saying so lets the caller fit the request.
    const detail = hold
      ? `this request may cost up to $${microToUsd(hold.holdMicro, hold.creditUsd)} (its max_tokens at the model's output price) ` +
        `and the available balance is $${microToUsd(hold.balanceMicro < 0n ? 0n : hold.balanceMicro, hold.creditUsd)}. Top up, or lower max_tokens.`
      : "top up your balance to continue.";
    return new GatewayError("billing", `Insufficient credit balance: ${detail}`, { code: "insufficient_balance" });
  }
  const what =
    reason === "rpm"
      ? `requests per minute limit (${key.limits.rpm})`
      : reason === "concurrency"
        ? `concurrent requests limit (${key.limits.concurrency})`
        : "rolling spend limit";
  return new GatewayError("rate_limit", `Rate limit exceeded: ${what}. Retry after ${retryAfter} s.`, {
    code: `${reason}_limit_exceeded`,
    headers: { "retry-after": String(Math.max(1, retryAfter)) },
  });
}
