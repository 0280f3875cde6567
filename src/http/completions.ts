// The hot path of /v1/chat/completions and /v1/messages: authenticate, resolve the model,
// admit (one hot-store round trip), dispatch upstream with retries and fallbacks, relay or
// translate, settle (one round trip). No Postgres here, ever: the ledger entry goes to the
// hot store's stream.
import type { Config } from "../config.ts";
import { costMicro, microToUsd, type Prices } from "../metering/money.ts";
import { estimateInputTokens } from "../metering/estimate.ts";
import { countTextTokens } from "../metering/tokenizer.ts";
import { countInputTokens } from "../metering/input-count.ts";
import { kindForStatus, type ClientProtocol } from "../protocols/errors.ts";
import { usageFromAnthropic, usageFromOpenAI, usageFromResponses, ZERO_USAGE, type TokenUsage } from "../protocols/usage.ts";
import { rewriteModelField } from "../protocols/model-field.ts";
import { TranslationError, type TranslateContext } from "../protocols/translate/types.ts";
import { checkCapabilities } from "../protocols/translate/capabilities.ts";
import { adapterFor, protocolOfKind, type UpstreamCall } from "../providers/index.ts";
import { scrubUpstreamMessage } from "../providers/scrub.ts";
import type { Catalog, CatalogModel, Deployment } from "../routing/catalog.ts";
import type { Cooldowns } from "../routing/cooldown.ts";
import { dispatch, type DispatchPolicy, type Failure } from "../routing/dispatch.ts";
import { orderDeployments } from "../routing/select.ts";
import type { HotStore, KeyRecord, LedgerEntry } from "../store/types.ts";
import type { KeyAuthenticator } from "./auth.ts";
import type { Metrics } from "../observability/metrics.ts";
import { bridgeFor, errorProtocolOf, type Bridge, type ClientApi } from "./bridges.ts";
import { GatewayError } from "./errors.ts";
import { refusal, resolveModel } from "./access.ts";
import { relaySse } from "./stream-relay.ts";
import { relayTranslated } from "./translate-relay.ts";
import { openaiChunkText, type DrainPolicy, type StreamBilling, type StreamOutcome } from "./stream-common.ts";
import { limitHeaders, telemetryNames, type TelemetryNames } from "./telemetry.ts";

export interface CompletionDeps {
  config: Config;
  catalog(): Catalog;
  store: HotStore;
  auth: KeyAuthenticator;
  cooldowns: Cooldowns;
  policy: DispatchPolicy;
  metrics: Metrics;
  /** Upstream fetch, injectable for tests. */
  fetch?: typeof fetch;
}

type Body = Record<string, unknown> & { model: string };

interface Route {
  deployment: Deployment;
  bridge: Bridge;
  ctx: TranslateContext;
}

export function createCompletionHandler(deps: CompletionDeps) {
  const names: TelemetryNames = telemetryNames(deps.config.headerPrefix);
  const doFetch = deps.fetch ?? fetch;
  const drain: DrainPolicy = { maxMs: deps.config.drainMs, maxConcurrent: deps.config.maxDrains, active: { count: 0 } };

  const endpointOf = (api: ClientApi) => (api === "chat" ? "chat_completions" : api);
  const { metrics } = deps;

  return async function handleCompletion(request: Request, body: Body, api: ClientApi, requestId: string): Promise<Response> {
    const started = performance.now();
    try {
      const res = await handle(request, body, api, requestId, started);
      metrics.countRequest(endpointOf(api), modelLabel(deps.catalog(), body.model), "2xx");
      return res;
    } catch (err) {
      const status = err instanceof GatewayError ? err.status : 500;
      metrics.countRequest(endpointOf(api), modelLabel(deps.catalog(), body.model), metrics.statusClass(status));
      throw err;
    }
  };

  async function handle(request: Request, body: Body, api: ClientApi, requestId: string, started: number): Promise<Response> {
    const protocol = errorProtocolOf(api);
    const key = await deps.auth.authenticate(request.headers);
    if (!key) {
      throw new GatewayError("authentication", "Missing or invalid API key. Send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.", {
        code: "invalid_api_key",
      });
    }
    const model = resolveModel(deps.catalog(), body.model, key);
    const routes = routesFor(model, api, deps.cooldowns);
    const first = routes[0]!;
    const stream = body.stream === true;
    const clientWantsUsage = api === "chat" && hasIncludeUsage(body.stream_options);

    const prepared = new Map<Deployment, UpstreamCall>();
    const prepare = (route: Route): UpstreamCall => {
      let call = prepared.get(route.deployment);
      if (call) return call;
      const adapter = adapterFor(route.deployment.provider.kind)!;
      let upstreamBody = withTranslationErrors(() => route.bridge.request(body, route.ctx));
      if (stream && protocolOfKind(route.deployment.provider.kind) === "openai-chat") {
        // Usage is how we bill: always ask for it, and drop it again if the client did not.
        const so = typeof upstreamBody.stream_options === "object" && upstreamBody.stream_options ? upstreamBody.stream_options : {};
        upstreamBody = { ...upstreamBody, stream_options: { ...so, include_usage: true } };
      }
      call = adapter.buildCall(route.deployment.provider, upstreamBody, request.headers, {
        upstreamModel: route.deployment.upstreamModel,
        stream,
        endpoint: route.bridge.passThrough === "openai-responses" ? "responses" : "chat",
      });
      prepared.set(route.deployment, call);
      return call;
    };

    // Images on a model without vision, reasoning on one without it: a clear 400 up front.
    // (Responses API bodies are checked by the upstream: their shape is not chat's.)
    if (api !== "responses") withTranslationErrors(() => checkCapabilities(protocol, body, first.ctx));
    // Translating the first route now turns an untranslatable request into a 400 before any
    // admission, and sizes the hold from what will actually be sent.
    const firstCall = prepare(first);
    const maxOutput = Math.min(requestedMaxOutput(body, api) ?? model.maxOutput, model.maxOutput);
    const holdMicro = costMicro({ ...ZERO_USAGE, inputTokens: estimateInputTokens(firstCall.body), outputTokens: maxOutput }, model.prices);
    const admission = await deps.store.admit({
      requestId,
      userId: key.userId,
      limits: key.limits,
      holdMicro,
      leaseMs: deps.config.leaseMs,
      nowMs: Date.now(),
    });
    if (!admission.ok) throw refusal(admission.reason, admission.retryAfterSeconds, key, { holdMicro, balanceMicro: admission.balanceMicro, creditUsd: deps.config.creditUsd });

    const headers: Record<string, string> = { "x-request-id": requestId };
    if (protocol === "anthropic") headers["request-id"] = requestId;
    limitHeaders(names, admission, key.limits, deps.config.creditUsd, headers);

    const release = () =>
      deps.store
        .settle({ requestId, userId: key.userId, costMicro: 0n, limits: key.limits, nowMs: Date.now(), entry: null })
        .catch((err: unknown) => console.error(`[sluice] release of ${requestId} failed:`, err));

    let result;
    const upstreamStarted = performance.now();
    try {
      const byDeployment = new Map(routes.map((r) => [r.deployment, r]));
      result = await dispatch({
        deployments: routes.map((r) => r.deployment),
        prepare: (d) => prepare(byDeployment.get(d)!),
        fetch: doFetch,
        cooldowns: deps.cooldowns,
        policy: deps.policy,
        onRetry: (f) => metrics.retries.inc({ deployment: f.deployment.id, reason: f.kind === "status" ? String(f.status) : f.kind }),
      });
    } catch (err) {
      await release();
      throw err instanceof TranslationError ? translationError(err) : err;
    }
    if (!result.ok) {
      await release();
      throw upstreamError(result.failure, model, protocol, result.attempts, result.retryAfterMs);
    }
    const route = byDeploymentRoute(routes, result.deployment);
    const upstreamJson = prepared.get(route.deployment)!.body;
    const countInput = () => countInputTokens(api, body, route.ctx, upstreamJson);
    const modelMetrics = metrics.forModel(model.id);
    if (route !== first) modelMetrics.fallbacks.inc();
    const upstreamSeconds = (performance.now() - upstreamStarted) / 1000;
    const observeHeaders = () => {
      const total = (performance.now() - started) / 1000;
      modelMetrics.latencyTotal.observe(total);
      modelMetrics.latencyUpstream.observe(upstreamSeconds);
      modelMetrics.latencyOverhead.observe(Math.max(0, total - upstreamSeconds));
    };

    const settle = async (usage: TokenUsage, estimated: boolean, status: LedgerEntry["status"]): Promise<bigint> => {
      const cost = costMicro(usage, model.prices);
      const entry = ledgerEntry(requestId, key, model, route.deployment, usage, cost, estimated, status);
      try {
        await deps.store.settle({ requestId, userId: key.userId, costMicro: cost, limits: key.limits, nowMs: Date.now(), entry });
      } catch (err) {
        console.error(`[sluice] settlement of ${requestId} failed:`, err);
      }
      modelMetrics.costMicro.inc(Number(cost));
      modelMetrics.inputTokens.inc(usage.inputTokens);
      modelMetrics.outputTokens.inc(usage.outputTokens);
      if (usage.cacheReadTokens) modelMetrics.cacheReadTokens.inc(usage.cacheReadTokens);
      if (usage.cacheWriteTokens) modelMetrics.cacheWriteTokens.inc(usage.cacheWriteTokens);
      return cost;
    };

    if (!stream) {
      const text = await result.response.text();
      const parsed = parseJson(text);
      let translated: Record<string, unknown> | null = null;
      if (!route.bridge.passThrough) {
        if (!parsed) {
          await release();
          throw new GatewayError("upstream", `The model '${model.id}' returned a response that could not be read. Nothing was billed.`);
        }
        translated = route.bridge.response(parsed, route.ctx, body);
      }
      // Usage in the upstream's own terms where we read them (OpenAI, Anthropic), else as translated.
      const upstreamWire = route.bridge.passThrough ?? protocolOfKind(route.deployment.provider.kind);
      const usage =
        (parsed ? usageOf(upstreamWire, parsed) : null) ?? (translated ? usageOf(CLIENT_WIRE[api], translated) : null);
      const cost = await settle(usage ?? estimateFallback(countInput, countTextTokens(completionText(parsed, text))), usage === null, "ok");
      headers["content-type"] = "application/json";
      headers[names.cost] = microToUsd(cost, deps.config.creditUsd);
      const out = translated ? JSON.stringify(translated) : rewriteModelField(text, model.id);
      observeHeaders();
      return new Response(out, { status: 200, headers });
    }

    const includeCost = request.headers.get(names.includeCost) === "true";
    const upstreamBody = result.response.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    const abort = result.abort;
    metrics.activeStreams.inc();
    const settleStream = async (b: StreamBilling) => {
      metrics.activeStreams.dec();
      const billed = usageForOutcome(b, countInput);
      const cost = await settle(billed.usage, billed.estimated, statusOf(b.outcome));
      return microToUsd(cost, deps.config.creditUsd);
    };
    const common = {
      upstream: upstreamBody,
      scrub: (message: string) => scrubFor(route.deployment, model)(message),
      includeCost,
      settle: settleStream,
      abortUpstream: () => abort.abort(),
      idleTimeoutMs: deps.config.streamIdleTimeoutMs,
      drain,
    };
    const out = route.bridge.passThrough
      ? relaySse({ ...common, wire: route.bridge.passThrough, publicModel: model.id, stripUsageChunk: !clientWantsUsage })
      : relayTranslated({ ...common, api, translator: route.bridge.stream(route.ctx, { includeUsage: clientWantsUsage }, body) });
    headers["content-type"] = "text/event-stream; charset=utf-8";
    headers["cache-control"] = "no-cache";
    observeHeaders();
    return new Response(out, { status: 200, headers });
  }
}

function scrubFor(deployment: Deployment, model: CatalogModel): (message: string) => string {
  let host: string | undefined;
  try {
    host = new URL(deployment.provider.baseUrl).host;
  } catch {
    host = undefined;
  }
  return (message) => scrubUpstreamMessage(message, { host, upstreamModel: deployment.upstreamModel, publicModel: model.id });
}

/** Unknown model ids collapse into one label so a client cannot grow the label set. */
function modelLabel(catalog: Catalog, id: unknown): string {
  return typeof id === "string" && catalog.get(id) ? id : "unknown";
}

function byDeploymentRoute(routes: Route[], d: Deployment): Route {
  return routes.find((r) => r.deployment === d)!;
}

/** Every deployment reachable from this endpoint, in the order they should be tried. */
function routesFor(model: CatalogModel, api: ClientApi, cooldowns: Cooldowns): Route[] {
  const routes: Route[] = [];
  for (const deployment of orderDeployments(model.deployments, (d) => cooldowns.healthy(d.id))) {
    const bridge = bridgeFor(api, protocolOfKind(deployment.provider.kind), deployment.provider.kind);
    if (!adapterFor(deployment.provider.kind)) continue;
    routes.push({
      deployment,
      bridge,
      ctx: {
        publicModel: model.id,
        upstreamModel: deployment.upstreamModel,
        maxOutput: model.maxOutput,
        flags: { reasoning: model.flags.has("reasoning"), vision: model.flags.has("vision") },
      },
    });
  }
  if (routes.length === 0) {
    const wire = model.deployments[0] ? protocolOfKind(model.deployments[0].provider.kind) : null;
    const other = wire === "openai-chat" ? "/v1/chat/completions" : wire === "anthropic-messages" ? "/v1/messages" : null;
    const hint = other ? `; call it through ${other}` : "";
    throw new GatewayError("invalid_request", `The model '${model.id}' is not available on this endpoint yet${hint}.`, {
      param: "model",
      code: "model_not_available_on_endpoint",
    });
  }
  return routes;
}

function withTranslationErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof TranslationError) throw translationError(err);
    throw err;
  }
}

function translationError(err: TranslationError): GatewayError {
  return new GatewayError("invalid_request", err.message, { param: err.param, code: "unsupported_parameter" });
}

function hasIncludeUsage(so: unknown): boolean {
  return typeof so === "object" && so !== null && (so as Record<string, unknown>).include_usage === true;
}

function requestedMaxOutput(body: Body, api: ClientApi): number | null {
  const candidates =
    api === "messages" ? [body.max_tokens] : api === "responses" ? [body.max_output_tokens] : [body.max_completion_tokens, body.max_tokens];
  for (const v of candidates) if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v;
  return null;
}

const CLIENT_WIRE: Record<ClientApi, string> = { chat: "openai-chat", messages: "anthropic-messages", responses: "openai-responses" };

function usageOf(wire: string, json: Record<string, unknown>): TokenUsage | null {
  if (wire === "gemini") return null;
  if (!json.usage || typeof json.usage !== "object") return null;
  if (wire === "anthropic-messages") return usageFromAnthropic(json.usage);
  return wire === "openai-responses" ? usageFromResponses(json.usage) : usageFromOpenAI(json.usage);
}

/** Usage nobody reported: the request and the output delivered, counted with the tokenizer. */
function estimateFallback(countInput: () => number, outputTokens: number): TokenUsage {
  return { ...ZERO_USAGE, inputTokens: countInput(), outputTokens };
}

/** The generated content of a whole (non-streamed) answer; the body itself if it is not OpenAI-shaped. */
function completionText(parsed: Record<string, unknown> | null, body: string): string {
  return parsed && Array.isArray(parsed.choices) ? openaiChunkText(parsed) : body;
}

/**
 * What a stream is billed: the upstream's own final usage when it arrived. A stream cut short
 * (by the upstream or the client) before that is billed for the input (as reported, else
 * estimated from what we sent) plus the output delivered, estimated, and marked so.
 */
function usageForOutcome(b: StreamBilling, countInput: () => number): { usage: TokenUsage; estimated: boolean } {
  if (b.usage && b.usageFinal) return { usage: b.usage, estimated: false };
  if (b.usage) return { usage: { ...b.usage, outputTokens: b.delivered.tokens(), reasoningTokens: 0 }, estimated: true };
  return { usage: estimateFallback(countInput, b.delivered.tokens()), estimated: true };
}

function statusOf(outcome: StreamOutcome): LedgerEntry["status"] {
  return outcome === "complete" ? "ok" : outcome === "client_closed" ? "client_closed" : "partial";
}

function ledgerEntry(
  requestId: string,
  key: KeyRecord,
  model: CatalogModel,
  deployment: Deployment,
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
    meta: { deployment: deployment.id },
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

/**
 * The last upstream failure, in the client's format, with the provider scrubbed out. After
 * our own retries we tell SDKs not to retry again (x-should-retry: false), so retries do not
 * multiply into a storm.
 */
function upstreamError(failure: Failure, model: CatalogModel, _protocol: ClientProtocol, attempts: number, retryAfterMs: number | null): GatewayError {
  const headers: Record<string, string> = {};
  if (attempts > 1) headers["x-should-retry"] = "false";
  if (retryAfterMs !== null) headers["retry-after"] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  if (failure.kind === "timeout") {
    return new GatewayError("timeout", `The model '${model.id}' did not answer in time. Nothing was billed; please retry.`, { headers });
  }
  if (failure.kind !== "status") {
    return new GatewayError("upstream", `The model '${model.id}' could not be reached. Nothing was billed; please retry.`, { headers });
  }
  const { status, body, deployment } = failure;
  const parsed = parseJson(body);
  const err = parsed && typeof parsed.error === "object" && parsed.error ? (parsed.error as Record<string, unknown>) : null;
  const rawMessage = typeof err?.message === "string" ? err.message : "";
  const scrubbed = scrubFor(deployment, model)(rawMessage);
  if (status === 401 || status === 403) {
    // The client's key is fine; ours for the provider is not. Never say "invalid API key" here.
    console.error(`[sluice] provider of deployment ${deployment.id} refused our credentials (status ${status})`);
    return new GatewayError("upstream", `The model '${model.id}' is temporarily unavailable (upstream configuration). Nothing was billed.`, {
      headers,
    });
  }
  const kind = kindForStatus(status);
  if (status >= 500 || status === 429 || status === 408 || status === 409) {
    const detail = scrubbed ? ` Detail: ${scrubbed}` : "";
    const message =
      status === 429
        ? `The model '${model.id}' is rate limited upstream. Nothing was billed; please retry later.${detail}`
        : `The model '${model.id}' failed upstream (status ${status}). Nothing was billed; please retry.${detail}`;
    return new GatewayError(kind, message, {
      status: status === 529 ? 529 : status === 429 ? 429 : kind === "upstream" ? 502 : undefined,
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
