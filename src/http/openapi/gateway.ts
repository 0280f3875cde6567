// The public gateway's document: what the routes say, enriched with the contract of
// ARCHITECTURE.md section 6 (auth, telemetry headers, errors in each protocol's format).
// Operations listed below get exact docs; any other route gets docs derived from its path
// (auth for /v1/*, errors in the path's protocol), so new routes are never undocumented.
// To document a new route exactly, give it `detail` (summary, tags) and `response` schemas
// in its route file, or add an entry to OPERATIONS; then run `npm run docs`.
import type { AnyElysia } from "elysia";
import pkg from "../../../package.json" with { type: "json" };
import { errorBody, kindForStatus, type ErrorKind } from "../../protocols/errors.ts";
import { protocolForPath } from "../errors.ts";
import { telemetryNames } from "../telemetry.ts";
import { enrich, type DocSpec, type ErrorFormat, type HeaderSet, type OperationContext, type OperationDoc } from "../../openapi/enrich.ts";
import { generateRaw } from "../../openapi/generate.ts";
import { toJson, type Json, type JsonObject } from "../../openapi/json.ts";
import {
  AnthropicErrorBody,
  AnthropicMessageResponse,
  Balance,
  ChatCompletion,
  Health,
  OpenAIErrorBody,
  ModelList,
  Readiness,
  TokenCount,
  WebhookAck,
} from "./schemas.ts";

export interface GatewayDocOptions {
  /** Telemetry header prefix (HEADER_PREFIX); the committed file uses the default. */
  headerPrefix?: string;
  /** The server Swagger UI and code generators call; defaults to a local `npm start`. */
  serverUrl?: string;
}

export const DEFAULT_GATEWAY_URL = "http://127.0.0.1:8080";
export const DEFAULT_HEADER_PREFIX = "x-sluice";
const EXAMPLE_REQUEST_ID = "req_8f14e45fceea167a5a36dedd4bea2543";

const INFERENCE_ERRORS = [400, 401, 402, 403, 404, 413, 429, 500, 502, 503, 504];

const STATUS_TEXT: Record<number, { description: string; message: string; code: string | null; param?: string }> = {
  400: { description: "Invalid request; the message names the field at fault", message: "messages.0.role: required field is missing", code: "missing_required_parameter", param: "messages.0.role" },
  401: { description: "Missing or invalid API key", message: "Missing or invalid API key. Send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.", code: "invalid_api_key" },
  402: { description: "Insufficient credit: the balance cannot cover this request's worst case (its max tokens); top up or lower max_tokens", message: "Insufficient credit balance: this request may cost up to $0.7680006 (its max_tokens at the model's output price) and the available balance is $0.12. Top up, or lower max_tokens.", code: "insufficient_balance" },
  403: { description: "This API key may not use the model", message: "This API key is not allowed to use the model 'gpt-5.5'.", code: "model_not_allowed", param: "model" },
  404: { description: "Unknown model, resource or route", message: "The model 'gpt-9' does not exist. GET /v1/models lists the models you can use.", code: "model_not_found", param: "model" },
  413: { description: "Request body over the size limit (BODY_LIMIT_BYTES)", message: "Request body exceeds the 32 MiB limit.", code: "request_too_large" },
  429: { description: "Rate limit exhausted (requests per minute, concurrent requests or rolling spend); honour retry-after", message: "Rate limit exceeded: requests per minute limit (600). Retry after 12 s.", code: "rpm_limit_exceeded" },
  500: { description: "Internal error; nothing was billed", message: "Internal error; nothing was billed. Please retry.", code: null },
  502: { description: "The upstream model provider failed or could not be reached; nothing was billed. Retry with backoff", message: "The model 'gpt-5.5' could not be reached. Nothing was billed; please retry.", code: null },
  503: { description: "The model is overloaded or has no available deployment; nothing was billed", message: "The model 'gpt-5.5' is not available right now.", code: null },
  504: { description: "The upstream model provider timed out; nothing was billed", message: "The upstream did not answer in time. Nothing was billed; please retry.", code: null },
};

function errorExample(format: ErrorFormat, status: number): { description: string; body: Json } {
  const text = STATUS_TEXT[status] ?? { description: `Error ${status}`, message: `Error ${status}.`, code: null };
  const kind: ErrorKind = kindForStatus(status);
  const protocol = format === "anthropic" ? "anthropic" : "openai";
  const body = errorBody(protocol, { kind, message: text.message, code: text.code, param: text.param ?? null }, EXAMPLE_REQUEST_ID);
  return { description: text.description, body: toJson(body) };
}

const OPENAI_STREAM = [
  `data: {"id":"chatcmpl-abc123","object":"chat.completion.chunk","created":1767225600,"model":"gpt-5.5","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}]}`,
  `data: {"id":"chatcmpl-abc123","object":"chat.completion.chunk","created":1767225600,"model":"gpt-5.5","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`,
  "data: [DONE]",
  "",
].join("\n\n");

const ANTHROPIC_STREAM = [
  `event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01abc","type":"message","role":"assistant","model":"claude-sonnet-4.6","content":[],"stop_reason":null,"usage":{"input_tokens":12,"output_tokens":1}}}`,
  `event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
  `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`,
  `event: content_block_stop\ndata: {"type":"content_block_stop","index":0}`,
  `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":6}}`,
  `event: message_stop\ndata: {"type":"message_stop"}`,
  "",
].join("\n\n");

function operationsFor(prefix: string): Record<string, OperationDoc> {
  const names = telemetryNames(prefix);
  const includeCost = {
    name: names.includeCost,
    description: "Send `true` on a streaming request to get `cost_usd` in the final usage event (streams carry no cost header).",
    example: "true",
  };
  const anthropicVersion = { name: "anthropic-version", description: "Accepted for Anthropic SDK compatibility.", example: "2023-06-01" };
  return {
    "GET /healthz": {
      auth: "none",
      headers: "request-id",
      errors: [],
      description: "Liveness probe. Used by Kubernetes, load balancers and uptime monitors.",
      success: { description: "The process is alive", schema: Health, examples: { ok: { value: { status: "ok", uptimeSeconds: 3600 } } } },
    },
    "GET /readyz": {
      auth: "none",
      headers: "request-id",
      errors: [],
      description: "Readiness probe: 200 when the database and hot store answer and the catalog is loaded, else 503.",
      success: { description: "Accepting traffic", schema: Readiness, examples: { ready: { value: { status: "ready" } } } },
      otherResponses: {
        "503": { description: "Not ready yet (or any more)", schema: Readiness, examples: { not_ready: { value: { status: "not_ready" } } } },
      },
    },
    "GET /v1/models": {
      auth: "key",
      headers: "request-id",
      errors: [401, 500],
      description:
        "The catalog of models this key can reach, with prices in credits per 1M tokens. OpenAI's list shape by default; " +
        "Anthropic's (`{data: [{type: 'model', id, display_name, ...}], has_more}`) when the caller sends `anthropic-version`, " +
        "authenticates with `x-api-key`, or has a Claude Code user agent.",
      // No example value: Swagger UI would pre-fill it and "Try it out" would switch shapes.
      headerParams: [{ name: "anthropic-version", description: "When present (any value), the list comes in Anthropic's shape." }],
      success: {
        description: "The model list",
        schema: ModelList,
        examples: {
          openai: {
            summary: "OpenAI shape (default)",
            value: {
              object: "list",
              data: [
                {
                  id: "gpt-5.5",
                  object: "model",
                  created: 1767225600,
                  owned_by: "sluice",
                  class: "flagship",
                  context_window: 1050000,
                  max_output_tokens: 128000,
                  pricing: { unit: "credits per 1M tokens", input: 200, output: 600, cache_read: 20, cache_write: 250 },
                  flags: ["reasoning", "vision"],
                },
              ],
            },
          },
          anthropic: {
            summary: "Anthropic shape (anthropic-version or x-api-key sent)",
            value: {
              data: [
                {
                  type: "model",
                  id: "claude-sonnet-4.6",
                  display_name: "Claude Sonnet 4.6",
                  created_at: "2026-01-01T00:00:00.000Z",
                  max_input_tokens: 1000000,
                  max_tokens: 64000,
                  class: "mid",
                  context_window: 1000000,
                  max_output_tokens: 64000,
                  pricing: { unit: "credits per 1M tokens", input: 120, output: 600, cache_read: 12, cache_write: 150 },
                  flags: ["reasoning", "vision"],
                },
              ],
              has_more: false,
              first_id: "claude-sonnet-4.6",
              last_id: "claude-sonnet-4.6",
            },
          },
        },
      },
    },
    "GET /v1/balance": {
      auth: "key-optional",
      headers: "request-id",
      errors: [500],
      description:
        "The caller's prepaid balance, for status lines and widgets. Without a valid key the answer is still 200, with " +
        "`balance_usd: null`, so widgets render neutrally instead of erroring.",
      success: {
        description: "The balance (null figures without a valid key)",
        schema: Balance,
        examples: {
          authenticated: { value: { balance_usd: 124.83, balance_credits: 12483, currency: "USD", updated_at: "2026-06-06T13:21:09.481Z" } },
          anonymous: { value: { balance_usd: null, balance_credits: null, currency: "USD", updated_at: "2026-06-06T13:21:09.481Z" } },
        },
      },
    },
    "POST /v1/chat/completions": {
      auth: "key",
      headers: "metered",
      errors: INFERENCE_ERRORS,
      description:
        "Drop-in replacement for OpenAI's /v1/chat/completions: same request body, same response and SSE shape. " +
        "Fields the gateway does not need are passed to the upstream untouched. Metered: the response carries the " +
        "cost and rate-limit headers; failed requests are not billed.",
      headerParams: [includeCost],
      requestExamples: {
        basic: { summary: "Non-streaming", value: { model: "gpt-5.5", messages: [{ role: "user", content: "Hello" }] } },
        streaming: {
          summary: "Streaming with usage",
          value: { model: "gpt-5.5", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "Hello" }] },
        },
      },
      success: {
        description: "The completion (JSON), or an event stream when `stream: true`",
        schema: ChatCompletion,
        examples: {
          completion: {
            value: {
              id: "chatcmpl-abc123",
              object: "chat.completion",
              created: 1767225600,
              model: "gpt-5.5",
              choices: [{ index: 0, message: { role: "assistant", content: "Hello! How can I help?" }, finish_reason: "stop" }],
              usage: { prompt_tokens: 12, completion_tokens: 84, total_tokens: 96 },
            },
          },
        },
        stream: OPENAI_STREAM,
      },
    },
    "POST /v1/messages": {
      auth: "key",
      errorFormat: "anthropic",
      headers: "metered",
      errors: INFERENCE_ERRORS,
      description:
        "Compatible with Anthropic's /v1/messages: streaming, tool use, prompt caching (cache_control) and extended " +
        "thinking pass through unchanged. Use it with the Anthropic SDK or Claude Code (ANTHROPIC_BASE_URL = this server). " +
        "Errors come in Anthropic's format.",
      headerParams: [anthropicVersion, includeCost],
      requestExamples: {
        basic: {
          summary: "Non-streaming",
          value: { model: "claude-sonnet-4.6", max_tokens: 1024, messages: [{ role: "user", content: "Hello" }] },
        },
        streaming: {
          summary: "Streaming",
          value: { model: "claude-sonnet-4.6", max_tokens: 1024, stream: true, messages: [{ role: "user", content: "Hello" }] },
        },
      },
      success: {
        description: "The message (JSON), or an event stream when `stream: true`",
        schema: AnthropicMessageResponse,
        examples: {
          message: {
            value: {
              id: "msg_01abc",
              type: "message",
              role: "assistant",
              model: "claude-sonnet-4.6",
              content: [{ type: "text", text: "Hello! How can I help?" }],
              stop_reason: "end_turn",
              stop_sequence: null,
              usage: { input_tokens: 84, output_tokens: 412, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
            },
          },
        },
        stream: ANTHROPIC_STREAM,
      },
    },
    // Routes from the contract that may not exist yet: applied only once they do.
    "POST /v1/messages/count_tokens": {
      auth: "key",
      errorFormat: "anthropic",
      headers: "metered",
      extraHeaders: {
        [`${prefix}-token-count`]: {
          description: "Where the count comes from: `upstream` (the model provider counted) or `local` (the gateway's tokenizer).",
          schema: { type: "string", enum: ["upstream", "local"] },
        },
      },
      errors: [400, 401, 403, 404, 413, 429, 500],
      description:
        "Counts the input tokens of a Messages request without running it. Free (the cost header says 0), but it " +
        "counts against the key's requests-per-minute limit.",
      headerParams: [anthropicVersion],
      requestExamples: {
        basic: { value: { model: "claude-sonnet-4.6", messages: [{ role: "user", content: "Hello" }] } },
      },
      success: { description: "The input token count", schema: TokenCount, examples: { count: { value: { input_tokens: 8 } } } },
    },
    "POST /v1/responses": {
      auth: "key",
      headers: "metered",
      errors: INFERENCE_ERRORS,
      description: "OpenAI's Responses API surface, for reasoning models and tool orchestration. Metered like chat completions.",
      headerParams: [includeCost],
      requestExamples: { basic: { value: { model: "gpt-5.5", input: "Hello" } } },
    },
    "GET /v1/requests/{request_id}": {
      auth: "key",
      errors: [401, 404, 500],
      headers: "request-id",
      pathParamExamples: { request_id: EXAMPLE_REQUEST_ID },
    },
    "POST /v1/billing/checkout": {
      auth: "key",
      errors: [400, 401, 404, 500, 502, 503],
      headers: "request-id",
      successStatus: 201,
      description: "Starts a QRIS payment for a plan (`plan_id`) or a credit pack (`pack_id`); prices are in IDR, tax included.",
      requestExamples: { plan: { summary: "Buy a plan", value: { plan_id: "explore" } }, pack: { summary: "Buy a credit pack", value: { pack_id: "pack-50k" } } },
      success: { description: "Order created, pending payment: pay the QRIS before expires_at" },
      otherResponses: { "200": { description: "Applied at once (a downgrade or a trial): nothing to pay" } },
    },
    "GET /v1/billing/orders/{id}": { pathParamExamples: { id: "ord_0123456789abcdef0123" } },
    "POST /webhooks/midtrans": {
      description: "Midtrans payment notification. No API key: authenticity is checked by its signature_key (SHA-512). 200 for every authentic notification (applied, duplicate, ignored or flagged).",
      ...webhookResponses(),
    },
    "POST /webhooks/xendit": {
      description: "Xendit QR payment callback. No API key: authenticity is checked by the x-callback-token header. 200 for every authentic notification (applied, duplicate, ignored or flagged).",
      ...webhookResponses(),
    },
    "GET /openapi.json": {
      auth: "none",
      headers: "request-id",
      errors: [],
      success: { description: "This document (OpenAPI 3.1)", schema: { type: "object" } },
    },
    "GET /postman.json": {
      auth: "none",
      headers: "request-id",
      errors: [],
      success: { description: "Postman Collection v2.1 of this API; set the api_key variable", schema: { type: "object" } },
    },
    "GET /swagger": {
      auth: "none",
      headers: "request-id",
      errors: [],
      success: { description: "Swagger UI (HTML), served by the gateway itself", contentType: "text/html", schema: { type: "string" } },
    },
  };
}

/** Payment providers read `{received, outcome | error}`, not an API error format. */
function webhookResponses(): OperationDoc {
  const ack = (description: string, value: Json) => ({ description, schema: WebhookAck, examples: { body: { value } } });
  return {
    auth: "signature",
    headers: "none",
    errors: [],
    success: ack("Authentic: applied, duplicate, ignored or flagged", { received: true, outcome: "applied" }),
    otherResponses: {
      "400": ack("Malformed notification", { received: false, error: "missing order_id" }),
      "401": ack("Signature or callback token does not verify", { received: false, error: "invalid signature or token" }),
      "404": ack("Billing or this payment provider is not configured", { received: false, error: "midtrans is not configured" }),
      "413": ack("Body over 256 KiB", { received: false, error: "body too large" }),
      "503": ack("The payment could not be confirmed with the provider now; the provider retries", {
        received: false,
        error: "could not confirm the payment now; retry",
      }),
    },
  };
}

function defaults(ctx: OperationContext): OperationDoc {
  const errorFormat: ErrorFormat = protocolForPath(ctx.path);
  if (ctx.path.startsWith("/webhooks/")) return { auth: "signature", errorFormat, headers: "request-id", errors: [400, 401, 500] };
  if (!ctx.path.startsWith("/v1/")) return { auth: "none", errorFormat, headers: "request-id", errors: [] };
  const errors = [401, 500];
  if (ctx.hasBody) errors.push(400, 413);
  if (ctx.hasPathParams) errors.push(404);
  // Billing answers 503 while the gateway runs without it.
  if (ctx.path.startsWith("/v1/billing/")) errors.push(503);
  return { auth: "key", errorFormat, headers: "request-id", errors: errors.sort() };
}

function description(prefix: string): string {
  const n = telemetryNames(prefix);
  return `Sluice is an LLM API gateway: one API key reaches every model in the catalog through an OpenAI-compatible
\`/v1/chat/completions\` and an Anthropic-native \`/v1/messages\`, metered to the token against a prepaid balance.

## Authentication
Both header styles are accepted on every endpoint; use whichever your SDK already sends:
\`Authorization: Bearer <key>\` (OpenAI SDKs, Cursor, LangChain) or \`x-api-key: <key>\` (Anthropic SDK, Claude Code).

## Base URL
OpenAI-shaped clients use \`<server>/v1\` as their base URL; the Anthropic SDK and Claude Code use \`<server>\`.

## Response headers
Every response carries \`x-request-id\`. Metered endpoints add, on success:

| header | meaning |
|---|---|
| \`${n.cost}\` | cost of this request in USD, exact (non-streaming; streams can send \`${n.includeCost}: true\` to get \`cost_usd\` in the final usage event) |
| \`${n.rpm}\` | requests left in the rolling 60-second window |
| \`${n.concurrent}\` | concurrent in-flight requests left for the key |
| \`${n.spend}\` | rolling spend cap remaining in USD (when a cap applies) |

## Errors
Errors use the endpoint's own format: OpenAI \`{error: {message, type, param, code}}\` everywhere except
\`/v1/messages*\`, which answers Anthropic's \`{type: "error", error: {type, message}, request_id}\`.
400 names the bad field, 401 missing or invalid key, 402 insufficient credit, 403 model not allowed for the key,
404 unknown model, 413 body too large, 429 rate limit (honour \`retry-after\`), 5xx upstream trouble. Failed
requests are never billed.`;
}

function successHeaders(prefix: string): (set: HeaderSet, format: ErrorFormat) => Record<string, string> {
  const n = telemetryNames(prefix);
  return (set, format) => {
    if (set === "none") return {};
    const out: Record<string, string> = { "x-request-id": "XRequestId" };
    if (format === "anthropic") out["request-id"] = "RequestId";
    if (set === "request-id") return out;
    return {
      ...out,
      [n.cost]: "CostUsd",
      [n.rpm]: "RpmRemaining",
      [n.concurrent]: "ConcurrentRemaining",
      [n.spend]: "WindowSpendRemainingUsd",
      "x-ratelimit-limit-requests": "RateLimitLimitRequests",
      "x-ratelimit-remaining-requests": "RateLimitRemainingRequests",
      "anthropic-ratelimit-requests-limit": "RateLimitLimitRequests",
      "anthropic-ratelimit-requests-remaining": "RateLimitRemainingRequests",
    };
  };
}

function headerComponents(prefix: string): Record<string, JsonObject> {
  const n = telemetryNames(prefix);
  const str = (description: string, example: string): JsonObject => ({ description, schema: { type: "string" }, example });
  return {
    XRequestId: str("Id of this request; quote it when asking for support.", EXAMPLE_REQUEST_ID),
    RequestId: str("The same id, under the name Anthropic clients read.", EXAMPLE_REQUEST_ID),
    CostUsd: str(`Metered cost of this request in USD, an exact decimal. Non-streaming responses only (see ${n.includeCost}).`, "0.0001"),
    RpmRemaining: { description: "Requests left in the rolling 60-second window.", schema: { type: "integer" }, example: 599 },
    ConcurrentRemaining: { description: "Concurrent in-flight requests left for this key.", schema: { type: "integer" }, example: 19 },
    WindowSpendRemainingUsd: str("Rolling spend cap remaining in USD; present only when a spend cap applies.", "4.99"),
    RateLimitLimitRequests: { description: "Requests per minute allowed (OpenAI and Anthropic SDK conventions).", schema: { type: "integer" }, example: 600 },
    RateLimitRemainingRequests: { description: "Requests per minute left (OpenAI and Anthropic SDK conventions).", schema: { type: "integer" }, example: 599 },
    RetryAfter: { description: "Seconds to wait before retrying.", schema: { type: "integer" }, example: 12 },
  };
}

export function gatewaySpec(opts: GatewayDocOptions = {}): DocSpec {
  const prefix = (opts.headerPrefix ?? DEFAULT_HEADER_PREFIX).toLowerCase();
  return {
    info: {
      title: "Sluice gateway API",
      version: pkg.version,
      description: description(prefix),
    },
    servers: [{ url: opts.serverUrl ?? DEFAULT_GATEWAY_URL, description: opts.serverUrl ? "This gateway" : "A local gateway (npm start)" }],
    tags: [
      { name: "Anthropic-compatible", description: "Anthropic Messages API; errors in Anthropic's format" },
      { name: "OpenAI-compatible", description: "OpenAI Chat Completions and Responses; errors in OpenAI's format" },
      { name: "Discovery", description: "The model catalog" },
      { name: "Billing", description: "Balance, plans and credit packs (QRIS, IDR)" },
      { name: "Webhooks", description: "Payment provider notifications, verified by signature" },
      { name: "Ops", description: "Health and readiness probes" },
      { name: "Docs", description: "This document, the Postman collection and Swagger UI" },
    ],
    securitySchemes: {
      bearerAuth: { type: "http", scheme: "bearer", description: "`Authorization: Bearer <key>` (OpenAI-style clients)" },
      apiKeyAuth: { type: "apiKey", in: "header", name: "x-api-key", description: "`x-api-key: <key>` (Anthropic-style clients)" },
    },
    security: (auth, format) => {
      const key = format === "anthropic" ? [{ apiKeyAuth: [] }, { bearerAuth: [] }] : [{ bearerAuth: [] }, { apiKeyAuth: [] }];
      if (auth === "key" || auth === "admin") return key;
      if (auth === "key-optional") return [...key, {}];
      return [];
    },
    headerComponents: headerComponents(prefix),
    successHeaders: successHeaders(prefix),
    errorHeaders: (format, status) => {
      const out: Record<string, string> = { "x-request-id": "XRequestId" };
      if (format === "anthropic") out["request-id"] = "RequestId";
      if (status === 429 || status === 503) out["retry-after"] = "RetryAfter";
      return out;
    },
    schemas: { OpenAIError: OpenAIErrorBody, AnthropicError: AnthropicErrorBody },
    errorSchema: { openai: "OpenAIError", anthropic: "AnthropicError", admin: "OpenAIError" },
    errorExample,
    operations: operationsFor(prefix),
    defaults,
  };
}

/** The OpenAPI 3.1 document of a gateway app (or of the app a plugin is mounted in). */
export function buildGatewayOpenApi(app: AnyElysia, opts: GatewayDocOptions = {}): JsonObject {
  return enrich(generateRaw(app), gatewaySpec(opts));
}
