// POST /v1/messages/count_tokens for every catalog model. The upstream's own counter answers
// where there is one (Anthropic; Gemini once its adapter and translator are present);
// everything else is counted locally with o200k_base (docs/count-tokens.md). Counting is
// free but not unlimited: it takes an admission like any request (RPM counts it), holds
// nothing, and releases at once.
import type { Config } from "../config.ts";
import { microToUsd } from "../metering/money.ts";
import { countRequestTokens } from "../metering/tokenizer.ts";
import { kindForStatus } from "../protocols/errors.ts";
import { TranslationError, type TranslateContext } from "../protocols/translate/types.ts";
import { adapterFor, type ProviderAdapter, type ProviderConfig, type ProviderKind, type UpstreamCall } from "../providers/index.ts";
import { scrubUpstreamMessage } from "../providers/scrub.ts";
import type { Catalog, CatalogModel, Deployment } from "../routing/catalog.ts";
import type { HotStore } from "../store/types.ts";
import { refusal, resolveModel } from "./access.ts";
import type { KeyAuthenticator } from "./auth.ts";
import { GatewayError } from "./errors.ts";
import { limitHeaders, telemetryNames } from "./telemetry.ts";

/** How one provider kind counts tokens itself. */
export interface UpstreamCounter {
  /** The HTTP call for a count_tokens body (Anthropic shape, `model` already the upstream id). */
  call(provider: ProviderConfig, body: Json, incoming: Headers, ctx: TranslateContext): UpstreamCall;
  /** The input token count in the upstream's answer, or null when it has none. */
  read(json: unknown): number | null;
}

export interface CountTokensDeps {
  config: Config;
  catalog(): Catalog;
  store: HotStore;
  auth: KeyAuthenticator;
  /** Upstream fetch, injectable for tests. */
  fetch?: typeof fetch;
  /** Replaces the default counters (tests); a kind without one is counted locally. */
  upstreamCounters?: Partial<Record<ProviderKind, UpstreamCounter>>;
}

/** Which counter answered, in the `<prefix>-token-count` header. */
export type CountSource = "upstream" | "local";

/** A count is a cheap call; an upstream slower than this is answered locally instead. */
const UPSTREAM_COUNT_TIMEOUT_MS = 10_000;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function nonNegativeInt(v: unknown): number | null {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : null;
}

/** Anthropic's own endpoint, with exactly the headers its Messages adapter sends (version, betas, key). */
export const anthropicCounter: UpstreamCounter = {
  call(provider, body, incoming, ctx) {
    const adapter = adapterFor("anthropic");
    if (!adapter) throw new Error("no anthropic adapter registered");
    const messagesCall = adapter.buildCall(provider, body, incoming, { upstreamModel: ctx.upstreamModel, stream: false });
    return { url: `${provider.baseUrl}/v1/messages/count_tokens`, headers: messagesCall.headers, body: messagesCall.body };
  },
  read: (json) => (isObject(json) ? nonNegativeInt(json.input_tokens) : null),
};

/** The messages-over-gemini translation: an Anthropic-shaped body in, a generateContent body out. */
export type GeminiTranslate = (body: Json, ctx: TranslateContext) => Json;

/**
 * Gemini's countTokens. The Developer API (the default base URL) takes system instructions
 * and tools only inside `generateContentRequest`; top-level `systemInstruction`/`tools` is
 * Vertex's shape and is refused there. A plain conversation goes as `{contents}`, the form
 * Google's SDK sends. Headers (the key) come from the Gemini adapter, the body from the
 * translator, so a count sees what generateContent would.
 */
export function geminiCounter(translate: GeminiTranslate, adapter: ProviderAdapter): UpstreamCounter {
  return {
    call(provider, body, incoming, ctx) {
      // Catalogs sometimes hold Gemini's resource name ("models/x"), as the adapter allows.
      const model = ctx.upstreamModel.replace(/^models\//, "");
      const full = translate(body, ctx);
      let payload: Json = { contents: full.contents };
      if (full.systemInstruction !== undefined || full.tools !== undefined) {
        const request: Json = { model: `models/${model}`, contents: full.contents };
        if (full.systemInstruction !== undefined) request.systemInstruction = full.systemInstruction;
        if (full.tools !== undefined) request.tools = full.tools;
        payload = { generateContentRequest: request };
      }
      const headers = adapter.buildCall(provider, full, incoming, { upstreamModel: model, stream: false }).headers;
      const url = `${provider.baseUrl}/v1beta/models/${encodeURIComponent(model)}:countTokens`;
      return { url, headers, body: JSON.stringify(payload) };
    },
    read: (json) => (isObject(json) ? nonNegativeInt(json.totalTokens) : null),
  };
}

/**
 * The Gemini adapter and translator are written alongside this endpoint. Until both are
 * there (the adapter registered in providers/index.ts, the translator exporting
 * messagesToGeminiRequest), Gemini models are counted locally. Looked up once, on the first
 * Gemini count, so a missing module costs nothing per request.
 */
const GEMINI_TRANSLATOR = new URL("../protocols/translate/messages-over-gemini/request.ts", import.meta.url).href;

async function loadGeminiCounter(): Promise<UpstreamCounter | null> {
  const adapter = adapterFor("gemini");
  if (!adapter) return null;
  let mod: unknown;
  try {
    mod = await import(GEMINI_TRANSLATOR);
  } catch {
    return null;
  }
  const fn = isObject(mod) ? mod.messagesToGeminiRequest : undefined;
  if (typeof fn !== "function") return null;
  return geminiCounter((body, ctx) => {
    const out: unknown = fn(body, ctx);
    if (!isObject(out)) throw new Error("messagesToGeminiRequest returned no object");
    return out;
  }, adapter);
}

export function createCountTokensHandler(deps: CountTokensDeps) {
  const names = telemetryNames(deps.config.headerPrefix);
  const sourceHeader = `${deps.config.headerPrefix}-token-count`;
  const doFetch = deps.fetch ?? fetch;
  let gemini: Promise<UpstreamCounter | null> | null = null;

  async function counterFor(kind: ProviderKind): Promise<UpstreamCounter | null> {
    if (deps.upstreamCounters) return deps.upstreamCounters[kind] ?? null;
    if (kind === "anthropic") return anthropicCounter;
    if (kind === "gemini") return (gemini ??= loadGeminiCounter());
    return null;
  }

  return async function handleCountTokens(request: Request, body: Json & { model: string }, requestId: string): Promise<Response> {
    const key = await deps.auth.authenticate(request.headers);
    if (!key) {
      throw new GatewayError("authentication", "Missing or invalid API key. Send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.", {
        code: "invalid_api_key",
      });
    }
    const model = resolveModel(deps.catalog(), body.model, key);

    const admission = await deps.store.admit({
      requestId,
      userId: key.userId,
      limits: key.limits,
      holdMicro: 0n,
      leaseMs: deps.config.leaseMs,
      nowMs: Date.now(),
    });
    if (!admission.ok) throw refusal(admission.reason, admission.retryAfterSeconds, key);
    // Nothing is held and nothing will be billed, so the lease is given back before the
    // (possibly slow) upstream count: a count never occupies a concurrency slot.
    await deps.store.settle({ requestId, userId: key.userId, costMicro: 0n, limits: key.limits, nowMs: Date.now(), entry: null });

    const deployment = model.deployments[0];
    const counter = deployment ? await counterFor(deployment.provider.kind) : null;
    let counted: { tokens: number; source: CountSource } | null = null;
    if (deployment && counter) {
      const tokens = await countUpstream(counter, deployment, model, body, request.headers);
      if (tokens !== null) counted = { tokens, source: "upstream" };
    }
    counted ??= { tokens: countRequestTokens(body).total, source: "local" };

    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-request-id": requestId,
      "request-id": requestId,
      [names.cost]: microToUsd(0n, deps.config.creditUsd),
      [sourceHeader]: counted.source,
    };
    limitHeaders(names, admission, key.limits, deps.config.creditUsd, headers);
    return new Response(JSON.stringify({ input_tokens: counted.tokens }), { status: 200, headers });
  };

  /**
   * The upstream's count, or null to count locally instead. A request the upstream calls
   * invalid is relayed (the client should know); an upstream that is down, slow, rate
   * limited or misconfigured is not the client's problem, and the local count stands in.
   */
  async function countUpstream(
    counter: UpstreamCounter,
    deployment: Deployment,
    model: CatalogModel,
    body: Json,
    incoming: Headers,
  ): Promise<number | null> {
    const ctx: TranslateContext = {
      publicModel: model.id,
      upstreamModel: deployment.upstreamModel,
      maxOutput: model.maxOutput,
      flags: { reasoning: model.flags.has("reasoning"), vision: model.flags.has("vision") },
    };
    let call: UpstreamCall;
    try {
      call = counter.call(deployment.provider, { ...body, model: deployment.upstreamModel }, incoming, ctx);
    } catch (err) {
      // What /v1/messages would refuse for this model is refused here too, naming the field.
      if (err instanceof TranslationError) throw new GatewayError("invalid_request", err.message, { param: err.param, code: "unsupported_parameter" });
      console.error(`[sluice] count_tokens call for '${model.id}' could not be built; counting locally:`, err);
      return null;
    }
    let res: Response;
    try {
      res = await doFetch(call.url, {
        method: "POST",
        headers: call.headers,
        body: call.body,
        signal: AbortSignal.timeout(UPSTREAM_COUNT_TIMEOUT_MS),
      });
    } catch {
      return null;
    }
    const text = await res.text().catch(() => "");
    if (res.status === 400 || res.status === 413 || res.status === 422) throw relayedError(res.status, text, deployment, model);
    if (!res.ok) return null;
    try {
      return counter.read(JSON.parse(text));
    } catch {
      return null;
    }
  }
}

function relayedError(status: number, text: string, deployment: Deployment, model: CatalogModel): GatewayError {
  let message = "";
  try {
    const parsed: unknown = JSON.parse(text);
    const err = isObject(parsed) && isObject(parsed.error) ? parsed.error : null;
    if (err && typeof err.message === "string") message = err.message;
  } catch {
    message = "";
  }
  let host: string | undefined;
  try {
    host = new URL(deployment.provider.baseUrl).host;
  } catch {
    host = undefined;
  }
  const scrubbed = scrubUpstreamMessage(message, { host, upstreamModel: deployment.upstreamModel, publicModel: model.id });
  return new GatewayError(kindForStatus(status), scrubbed || `The model '${model.id}' rejected the request (status ${status}).`, { status });
}
