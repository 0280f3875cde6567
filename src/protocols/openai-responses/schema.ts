// OpenAI Responses request schema: the gateway reads the model, stream flag and output
// limit; everything else (input items, tools, reasoning, text format) is carried on.
import { Type as T, type Static } from "@sinclair/typebox";

const open = { additionalProperties: true } as const;

export const ResponsesRequest = T.Object(
  {
    model: T.String({ minLength: 1, examples: ["gpt-5.5"] }),
    input: T.Optional(T.Union([T.String(), T.Array(T.Object({}, open))])),
    instructions: T.Optional(T.Union([T.String(), T.Null()])),
    stream: T.Optional(T.Union([T.Boolean(), T.Null()])),
    max_output_tokens: T.Optional(T.Union([T.Integer({ minimum: 1 }), T.Null()])),
  },
  { ...open, title: "ResponsesRequest" },
);
export type ResponsesRequest = Static<typeof ResponsesRequest>;
