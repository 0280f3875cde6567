// Response schemas for the documentation only. They are not attached to the routes as
// Elysia `response` hooks: that would add response validation to the hot path (a behaviour
// and CPU change) just to describe it. A route that does declare `response` wins over these.
// Upstream bodies are relayed nearly verbatim, so pass-through shapes stay open.
import { Type as T } from "@sinclair/typebox";

const open = { additionalProperties: true } as const;

export const OpenAIErrorBody = T.Object(
  {
    error: T.Object({
      message: T.String(),
      type: T.String({ description: "e.g. invalid_request_error, authentication_error, insufficient_quota, rate_limit_error, server_error" }),
      param: T.Union([T.String(), T.Null()], { description: "The request field at fault, when there is one" }),
      code: T.Union([T.String(), T.Null()], { description: "Machine-readable reason, e.g. invalid_api_key, model_not_found" }),
    }),
  },
  { title: "OpenAIError", description: "OpenAI-shaped error, used by every endpoint except /v1/messages*" },
);

export const AnthropicErrorBody = T.Object(
  {
    type: T.Literal("error"),
    error: T.Object({
      type: T.String({ description: "e.g. invalid_request_error, authentication_error, billing_error, rate_limit_error, overloaded_error" }),
      message: T.String(),
    }),
    request_id: T.Union([T.String(), T.Null()]),
  },
  { title: "AnthropicError", description: "Anthropic-shaped error, used by /v1/messages and /v1/messages/*" },
);

export const Health = T.Object(
  { status: T.Literal("ok"), uptimeSeconds: T.Integer({ minimum: 0 }) },
  { title: "Health" },
);

export const Readiness = T.Object(
  { status: T.Union([T.Literal("ready"), T.Literal("not_ready")]) },
  { title: "Readiness" },
);

const Pricing = T.Object(
  {
    unit: T.Literal("credits per 1M tokens"),
    input: T.Number(),
    output: T.Number(),
    cache_read: T.Number(),
    cache_write: T.Number(),
  },
  { title: "ModelPricing" },
);

const modelExtras = {
  class: T.String({ description: "Catalog class, e.g. flagship, mid, small" }),
  context_window: T.Integer(),
  max_output_tokens: T.Integer(),
  pricing: Pricing,
  flags: T.Array(T.String(), { description: "Capabilities, e.g. reasoning, vision" }),
};

export const OpenAIModelList = T.Object(
  {
    object: T.Literal("list"),
    data: T.Array(
      T.Object(
        { id: T.String(), object: T.Literal("model"), created: T.Integer(), owned_by: T.String(), ...modelExtras },
        { title: "OpenAIModel" },
      ),
    ),
  },
  { title: "OpenAIModelList", description: "Default shape of GET /v1/models" },
);

export const AnthropicModelList = T.Object(
  {
    data: T.Array(
      T.Object(
        {
          type: T.Literal("model"),
          id: T.String(),
          display_name: T.String(),
          created_at: T.String({ format: "date-time" }),
          max_input_tokens: T.Integer(),
          max_tokens: T.Integer(),
          ...modelExtras,
        },
        { title: "AnthropicModel" },
      ),
    ),
    has_more: T.Boolean(),
    first_id: T.Union([T.String(), T.Null()]),
    last_id: T.Union([T.String(), T.Null()]),
  },
  { title: "AnthropicModelList", description: "Shape of GET /v1/models for Anthropic clients" },
);

export const ModelList = T.Union([OpenAIModelList, AnthropicModelList], {
  description: "OpenAI's list shape by default, Anthropic's for Anthropic clients",
});

export const Balance = T.Object(
  {
    balance_usd: T.Union([T.Number(), T.Null()], { description: "null when no valid key was sent" }),
    balance_credits: T.Union([T.Number(), T.Null()]),
    currency: T.Literal("USD"),
    updated_at: T.String({ format: "date-time" }),
  },
  { title: "Balance" },
);

export const ChatCompletion = T.Object(
  {
    id: T.String(),
    object: T.Literal("chat.completion"),
    created: T.Integer(),
    model: T.String({ description: "The public model id you asked for" }),
    choices: T.Array(
      T.Object(
        {
          index: T.Integer(),
          message: T.Object(
            {
              role: T.Literal("assistant"),
              content: T.Union([T.String(), T.Null()]),
              tool_calls: T.Optional(T.Array(T.Object({ id: T.String(), type: T.String() }, open))),
            },
            open,
          ),
          finish_reason: T.Union([T.String(), T.Null()]),
        },
        open,
      ),
    ),
    usage: T.Optional(
      T.Object(
        { prompt_tokens: T.Integer(), completion_tokens: T.Integer(), total_tokens: T.Integer() },
        { ...open, title: "ChatUsage" },
      ),
    ),
  },
  { ...open, title: "ChatCompletion" },
);

export const AnthropicMessageResponse = T.Object(
  {
    id: T.String(),
    type: T.Literal("message"),
    role: T.Literal("assistant"),
    model: T.String({ description: "The public model id you asked for" }),
    content: T.Array(T.Object({ type: T.String() }, open)),
    stop_reason: T.Union([T.String(), T.Null()]),
    stop_sequence: T.Optional(T.Union([T.String(), T.Null()])),
    usage: T.Object(
      {
        input_tokens: T.Integer(),
        output_tokens: T.Integer(),
        cache_creation_input_tokens: T.Optional(T.Union([T.Integer(), T.Null()])),
        cache_read_input_tokens: T.Optional(T.Union([T.Integer(), T.Null()])),
      },
      { ...open, title: "MessageUsage" },
    ),
  },
  { ...open, title: "Message" },
);

export const TokenCount = T.Object({ input_tokens: T.Integer({ minimum: 0 }) }, { ...open, title: "TokenCount" });

export const EventStream = T.String({ description: "Server-sent events in the endpoint's own protocol" });

export const WebhookAck = T.Object(
  {
    received: T.Boolean(),
    outcome: T.Optional(T.String({ description: "applied, duplicate, ignored, unconfirmed, flagged, ..." })),
    error: T.Optional(T.String()),
  },
  { title: "WebhookAck" },
);
