import { Elysia } from "elysia";
import { CountTokensRequest } from "../../protocols/anthropic-messages/count-tokens-schema.ts";
import { createCountTokensHandler, type CountTokensDeps } from "../count-tokens.ts";
import { requestIdOf } from "../request-id.ts";

export function countTokensRoutes(deps: CountTokensDeps) {
  const handle = createCountTokensHandler(deps);
  return new Elysia({ name: "count-tokens" }).post(
    "/v1/messages/count_tokens",
    ({ request, body, set }) => handle(request, body, requestIdOf(set)),
    {
      body: CountTokensRequest,
      detail: {
        summary: "Count input tokens of a message (Anthropic-compatible); free, counts against the RPM limit",
        tags: ["Anthropic-compatible"],
      },
    },
  );
}
