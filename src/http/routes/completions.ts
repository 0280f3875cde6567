import { Elysia } from "elysia";
import { ChatCompletionRequest } from "../../protocols/openai-chat/schema.ts";
import { MessagesRequest } from "../../protocols/anthropic-messages/schema.ts";
import { ResponsesRequest } from "../../protocols/openai-responses/schema.ts";
import { createCompletionHandler, type CompletionDeps } from "../completions.ts";
import { requestIdOf } from "../request-id.ts";

export function completionRoutes(deps: CompletionDeps) {
  const handle = createCompletionHandler(deps);
  return new Elysia({ name: "completions" })
    .post("/v1/chat/completions", ({ request, body, set }) => handle(request, body, "chat", requestIdOf(set)), {
      body: ChatCompletionRequest,
      detail: { summary: "Chat completion (OpenAI-compatible)", tags: ["OpenAI-compatible"] },
    })
    .post("/v1/messages", ({ request, body, set }) => handle(request, body, "messages", requestIdOf(set)), {
      body: MessagesRequest,
      detail: { summary: "Create a message (Anthropic-compatible)", tags: ["Anthropic-compatible"] },
    })
    .post("/v1/responses", ({ request, body, set }) => handle(request, body, "responses", requestIdOf(set)), {
      body: ResponsesRequest,
      detail: { summary: "Create a response (OpenAI Responses API)", tags: ["OpenAI-compatible"] },
    });
}
