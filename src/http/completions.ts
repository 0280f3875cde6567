// The hot path of /v1/chat/completions and /v1/messages: authenticate, resolve the model,
// admit (one hot-store round trip), call upstream, relay, settle (one round trip).
// No Postgres here, ever: the ledger entry goes to the hot store's stream.
import type { Config } from "../config.ts";
import { costMicro, microToUsd, type Prices } from "../metering/money.ts";
import { estimateInputTokens, estimateOutputTokens } from "../metering/estimate.ts";
import { kindForStatus, type ClientProtocol } from "../protocols/errors.ts";
import { usageFromAnthropic, usageFromOpenAI, ZERO_USAGE, type TokenUsage } from "../protocols/usage.ts";
import { rewriteModelField } from "../protocols/model-field.ts";
import { adapterFor, protocolOfKind, type WireProtocol } from "../providers/index.ts";
import { scrubUpstreamMessage } from "../providers/scrub.ts";
import type { Catalog, CatalogModel, Deployment } from "../routing/catalog.ts";
import type { HotStore, KeyRecord, LedgerEntry } from "../store/types.ts";
import type { KeyAuthenticator } from "./auth.ts";
import { GatewayError } from "./errors.ts";
import { relaySse, type StreamOutcome } from "./stream-relay.ts";
import { limitHeaders, telemetryNames, type TelemetryNames } from "./telemetry.ts";

export interface CompletionDeps {
  config: Config;
  catalog(): Catalog;
  store: HotStore;
  auth: KeyAuthenticator;
  /** Upstream fetch, injectable for tests. */
  fetch?: typeof fetch;
}

const WIRE_OF_CLIENT: Record<ClientProtocol, WireProtocol> = {
  openai: "openai-chat",
  anthropic: "anthropic-messages",
};

const ENDPOINT_OF_WIRE: Partial<Record<WireProtocol, string>> = {
  "openai-chat": "/v1/chat/completions",
  "anthropic-messages": "/v1/messages",
};

type Body = Record<string, unknown> & { model: string };

export function createCompletionHandler(deps: CompletionDeps) {
  const names: TelemetryNames = telemetryNames(deps.config.headerPrefix);
  const doFetch = deps.fetch ?? fetch;

  return async function handleCompletion(
    request: Request,
    body: Body,
    protocol: ClientProtocol,
    requestId: string,
  ): Promise<Response> {
    const key = await deps.auth.authenticate(request.headers);
    if (!key) {
      throw new GatewayError("authentication", "Missing or invalid API key. Send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.", {
        code: "invalid_api_key",
      });
    }
    const model = resolveModel(deps.catalog(), body.model, key);
    const deployment = model.deployments[0];
    if (!deployment) throw new GatewayError("overloaded", `The model '${model.id}' has no available deployment right now.`);
    const upstreamWire = protocolOfKind(deployment.provider.kind);
    if (upstreamWire !== WIRE_OF_CLIENT[protocol]) {
      const other = ENDPOINT_OF_WIRE[upstreamWire];
      throw new GatewayError(
        "invalid_request",
        other
          ? `The model '${model.id}' is not yet available on this endpoint; call it through ${other}.`
          : `The model '${model.id}' is not yet available on this endpoint.`,
        { param: "model", code: "model_not_available_on_endpoint" },
      );
    }

    const stream = body.stream === true;
    const upstreamBody: Record<string, unknown> = { ...body, model: deployment.upstreamModel };
    const clientWantsUsage = protocol === "openai" && hasIncludeUsage(body.stream_options);
    if (protocol === "openai" && stream) {
      // Usage is how we bill: always ask for it, and drop it again if the client did not.
      const so = typeof body.stream_options === "object" && body.stream_options ? body.stream_options : {};
      upstreamBody.stream_options = { ...so, include_usage: true };
    }
    const upstreamJson = JSON.stringify(upstreamBody);

    const maxOutput = requestedMaxOutput(body, protocol) ?? model.maxOutput;
    const holdMicro = costMicro(
      { ...ZERO_USAGE, inputTokens: estimateInputTokens(upstreamJson), outputTokens: Math.min(maxOutput, model.maxOutput) },
      model.prices,
    );
    const nowMs = Date.now();
    const admission = await deps.store.admit({
      requestId,
      userId: key.userId,
      limits: key.limits,
      holdMicro,
      leaseMs: deps.config.leaseMs,
      nowMs,
    });
    if (!admission.ok) throw refusal(admission.reason, admission.retryAfterSeconds, key, holdMicro, admission.balanceMicro, deps.config.creditUsd);

    const headers: Record<string, string> = { "x-request-id": requestId };
    if (protocol === "anthropic") headers["request-id"] = requestId;
    limitHeaders(names, admission, key.limits, deps.config.creditUsd, headers);

    const release = () =>
      deps.store
        .settle({ requestId, userId: key.userId, costMicro: 0n, limits: key.limits, nowMs: Date.now(), entry: null })
        .catch((err: unknown) => console.error(`[sluice] release of ${requestId} failed:`, err));

    const settle = async (usage: TokenUsage, estimated: boolean, status: LedgerEntry["status"]): Promise<bigint> => {
      const cost = costMicro(usage, model.prices);
      const entry = ledgerEntry(requestId, key, model, usage, cost, estimated, status);
      try {
        await deps.store.settle({ requestId, userId: key.userId, costMicro: cost, limits: key.limits, nowMs: Date.now(), entry });
      } catch (err) {
        console.error(`[sluice] settlement of ${requestId} failed:`, err);
      }
      return cost;
    };

    const adapter = adapterFor(deployment.provider.kind);
    if (!adapter) {
      await release();
      throw new GatewayError("overloaded", `The model '${model.id}' is not available right now.`);
    }
    const call = adapter.buildCall(deployment.provider, upstreamBody, request.headers, {
      upstreamModel: deployment.upstreamModel,
      stream,
    });
    const abort = new AbortController();
    let upstream: Response;
    try {
      upstream = await doFetch(call.url, { method: "POST", headers: call.headers, body: call.body, signal: abort.signal });
    } catch {
      await release();
      throw new GatewayError("upstream", `The model '${model.id}' could not be reached. Nothing was billed; please retry.`);
    }

    if (!upstream.ok) {
      await release();
      throw await upstreamError(upstream, deployment, model);
    }

    if (!stream) {
      const text = await upstream.text();
      const parsed = parseJson(text);
      const usage = parsed ? usageOf(protocol, parsed) : null;
      const cost = await settle(usage ?? estimateFallback(upstreamJson, text.length), usage === null, "ok");
      headers["content-type"] = "application/json";
      headers[names.cost] = microToUsd(cost, deps.config.creditUsd);
      return new Response(rewriteModelField(text, model.id), { status: 200, headers });
    }

    const includeCost = request.headers.get(names.includeCost) === "true";
    const body$ = relaySse({
      upstream: upstream.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() }),
      protocol,
      publicModel: model.id,
      stripUsageChunk: !clientWantsUsage,
      includeCost,
      abortUpstream: () => abort.abort(),
      settle: async (usage, deliveredChars, outcome) => {
        const billed = usageForOutcome(usage, deliveredChars, outcome, upstreamJson);
        const cost = await settle(billed.usage, billed.estimated, statusOf(outcome));
        return microToUsd(cost, deps.config.creditUsd);
      },
    });
    headers["content-type"] = "text/event-stream; charset=utf-8";
    headers["cache-control"] = "no-cache";
    return new Response(body$, { status: 200, headers });
  };
}

function resolveModel(catalog: Catalog, id: string, key: KeyRecord): CatalogModel {
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

function refusal(
  reason: "balance" | "rpm" | "concurrency" | "spend",
  retryAfter: number,
  key: KeyRecord,
  holdMicro: bigint,
  balanceMicro: bigint,
  creditUsd: string,
): GatewayError {
  if (reason === "balance") {
    // The hold covers the worst case (max output); saying so lets the caller fit the request.
    return new GatewayError(
      "billing",
      `Insufficient credit balance: this request may cost up to $${microToUsd(holdMicro, creditUsd)} ` +
        `(its max_tokens at the model's output price) and the available balance is $${microToUsd(balanceMicro < 0n ? 0n : balanceMicro, creditUsd)}. ` +
        "Top up, or lower max_tokens.",
      { code: "insufficient_balance" },
    );
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

function hasIncludeUsage(so: unknown): boolean {
  return typeof so === "object" && so !== null && (so as Record<string, unknown>).include_usage === true;
}

function requestedMaxOutput(body: Body, protocol: ClientProtocol): number | null {
  const candidates = protocol === "anthropic" ? [body.max_tokens] : [body.max_completion_tokens, body.max_tokens];
  for (const v of candidates) if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v;
  return null;
}

function usageOf(protocol: ClientProtocol, json: Record<string, unknown>): TokenUsage | null {
  if (!json.usage || typeof json.usage !== "object") return null;
  return protocol === "anthropic" ? usageFromAnthropic(json.usage) : usageFromOpenAI(json.usage);
}

function estimateFallback(requestJson: string, outputChars: number): TokenUsage {
  return { ...ZERO_USAGE, inputTokens: estimateInputTokens(requestJson), outputTokens: estimateOutputTokens(outputChars) };
}

/**
 * What a stream is billed: the upstream's own usage when it reported it. A stream cut short
 * (by the upstream or the client) before usage arrived is billed for the input we sent plus
 * the output delivered, estimated, and marked so in the ledger.
 */
function usageForOutcome(
  usage: TokenUsage | null,
  deliveredChars: number,
  outcome: StreamOutcome,
  requestJson: string,
): { usage: TokenUsage; estimated: boolean } {
  if (usage && (outcome === "complete" || usage.outputTokens > 0)) return { usage, estimated: false };
  const estimate = estimateFallback(requestJson, deliveredChars);
  if (usage) return { usage: { ...usage, outputTokens: estimate.outputTokens }, estimated: true };
  return { usage: estimate, estimated: true };
}

function statusOf(outcome: StreamOutcome): LedgerEntry["status"] {
  return outcome === "complete" ? "ok" : outcome === "client_closed" ? "client_closed" : "partial";
}

function ledgerEntry(
  requestId: string,
  key: KeyRecord,
  model: CatalogModel,
  usage: TokenUsage,
  cost: bigint,
  estimated: boolean,
  status: LedgerEntry["status"],
): LedgerEntry {
  return {
    eventId: requestId,
    kind: "usage",
    userId: key.userId,
    keyId: key.keyId,
    amountMicro: (-cost).toString(),
    modelId: model.id,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cacheReadTokens: usage.cacheReadTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    reasoningTokens: usage.reasoningTokens,
    prices: pricesJson(model.prices),
    catalogVersion: model.version,
    estimated,
    status,
    createdAtMs: Date.now(),
  };
}

function pricesJson(p: Prices): LedgerEntry["prices"] {
  return { input: p.input.toString(), output: p.output.toString(), cacheRead: p.cacheRead.toString(), cacheWrite: p.cacheWrite.toString() };
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** An upstream 4xx/5xx relayed in the client's format, with the provider scrubbed out. */
async function upstreamError(res: Response, deployment: Deployment, model: CatalogModel): Promise<GatewayError> {
  const text = await res.text().catch(() => "");
  const parsed = parseJson(text);
  const err = parsed && typeof parsed.error === "object" && parsed.error ? (parsed.error as Record<string, unknown>) : null;
  const rawMessage = typeof err?.message === "string" ? err.message : "";
  let host: string | undefined;
  try {
    host = new URL(deployment.provider.baseUrl).host;
  } catch {
    host = undefined;
  }
  const scrubbed = scrubUpstreamMessage(rawMessage, { host, upstreamModel: deployment.upstreamModel, publicModel: model.id });
  const status = res.status;
  const kind = kindForStatus(status);
  const headers: Record<string, string> = {};
  const retryAfter = res.headers.get("retry-after");
  if (retryAfter && (status === 429 || status >= 500)) headers["retry-after"] = retryAfter;
  if (status >= 500) {
    return new GatewayError(kind, `The model '${model.id}' failed upstream (status ${status}). Nothing was billed; please retry.${scrubbed ? ` Detail: ${scrubbed}` : ""}`, {
      status: status === 529 ? 529 : kind === "upstream" ? 502 : undefined,
      headers,
    });
  }
  return new GatewayError(kind, scrubbed || `The model '${model.id}' rejected the request (status ${status}).`, {
    status,
    code: typeof err?.code === "string" ? err.code : null,
    param: typeof err?.param === "string" ? err.param : null,
    headers,
  });
}
