// Input tokens of a request the upstream never reported usage for (a stream cut before its
// usage chunk, an OpenAI-compatible upstream that sends none). Counted with the tokenizer
// over the client's request, brought to the Messages shape the counter reads; a request the
// translation cannot carry falls back to the byte estimate of the hold. Counting the request
// rather than its bytes keeps an inline image from being billed as 300k tokens of base64.
import { chatToMessagesRequest } from "../protocols/translate/chat-over-messages/request.ts";
import { responsesToChatRequest } from "../protocols/translate/responses-over-chat/request.ts";
import type { TranslateContext } from "../protocols/translate/types.ts";
import { estimateInputTokens } from "./estimate.ts";
import { countRequestTokens } from "./tokenizer.ts";

type Json = Record<string, unknown>;

/** The client's API: OpenAI chat, Anthropic messages or OpenAI responses. */
export function countInputTokens(api: "chat" | "messages" | "responses", body: Json, ctx: TranslateContext, sentJson: string): number {
  try {
    const messages = api === "messages" ? body : api === "chat" ? chatToMessagesRequest(body, ctx) : chatToMessagesRequest(responsesToChatRequest(body, ctx), ctx);
    return countRequestTokens(messages).total;
  } catch {
    return estimateInputTokens(sentJson);
  }
}
