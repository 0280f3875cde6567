// Anthropic Messages request schema: strict on what the gateway reads, open for the rest
// (new block types, beta fields, cache_control, thinking) which passes through untouched.
import { Type as T, type Static } from "@sinclair/typebox";

const open = { additionalProperties: true } as const;

export const ContentBlock = T.Object({ type: T.String({ minLength: 1 }) }, { ...open, title: "ContentBlock" });

export const AnthropicMessage = T.Object(
  {
    role: T.String({ minLength: 1, description: "user or assistant" }),
    content: T.Union([T.String(), T.Array(ContentBlock)]),
  },
  { ...open, title: "AnthropicMessage" },
);

export const MessagesRequest = T.Object(
  {
    model: T.String({ minLength: 1, examples: ["claude-sonnet-4.6"] }),
    max_tokens: T.Integer({ minimum: 0 }),
    messages: T.Array(AnthropicMessage),
    system: T.Optional(T.Union([T.String(), T.Array(ContentBlock)])),
    stream: T.Optional(T.Boolean()),
  },
  { ...open, title: "MessagesRequest" },
);
export type MessagesRequest = Static<typeof MessagesRequest>;
