// Anthropic count_tokens request: the Messages request minus the generation knobs
// (protocols.md B.8). Open like MessagesRequest, so thinking, tool_choice, cache_control and
// fields newer than this schema reach an upstream counter untouched.
import { Type as T, type Static } from "@sinclair/typebox";
import { AnthropicMessage, ContentBlock } from "./schema.ts";

const open = { additionalProperties: true } as const;

export const CountTokensRequest = T.Object(
  {
    model: T.String({ minLength: 1, examples: ["claude-sonnet-4.6"] }),
    messages: T.Array(AnthropicMessage),
    system: T.Optional(T.Union([T.String(), T.Array(ContentBlock)])),
    tools: T.Optional(T.Array(T.Object({}, { ...open, title: "Tool" }))),
  },
  { ...open, title: "CountTokensRequest" },
);
export type CountTokensRequest = Static<typeof CountTokensRequest>;

export const CountTokensResponse = T.Object({ input_tokens: T.Integer({ minimum: 0 }) }, { title: "CountTokensResponse" });
