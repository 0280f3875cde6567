// OpenAI Chat Completions request schema. Strict only where the gateway must understand a
// field (model, messages, stream, token limits); every other field, role and part type is
// accepted and carried to a same-protocol upstream untouched.
import { Type as T, type Static } from "@sinclair/typebox";

const open = { additionalProperties: true } as const;

export const ChatContentPart = T.Object({ type: T.String({ minLength: 1 }) }, { ...open, title: "ChatContentPart" });

export const ChatMessage = T.Object(
  {
    role: T.String({ minLength: 1, description: "system, developer, user, assistant, tool, or a newer role" }),
    content: T.Optional(T.Union([T.String(), T.Array(ChatContentPart), T.Null()])),
  },
  { ...open, title: "ChatMessage" },
);

export const ChatCompletionRequest = T.Object(
  {
    model: T.String({ minLength: 1, description: "Public model id from GET /v1/models", examples: ["gpt-5.5"] }),
    messages: T.Array(ChatMessage, { minItems: 1 }),
    stream: T.Optional(T.Union([T.Boolean(), T.Null()])),
    stream_options: T.Optional(
      T.Union([T.Object({ include_usage: T.Optional(T.Union([T.Boolean(), T.Null()])) }, open), T.Null()]),
    ),
    max_tokens: T.Optional(T.Union([T.Integer({ minimum: 0 }), T.Null()])),
    max_completion_tokens: T.Optional(T.Union([T.Integer({ minimum: 0 }), T.Null()])),
    n: T.Optional(T.Union([T.Integer({ minimum: 1 }), T.Null()])),
  },
  { ...open, title: "ChatCompletionRequest" },
);
export type ChatCompletionRequest = Static<typeof ChatCompletionRequest>;
