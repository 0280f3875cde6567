// Gemini GenerateContentResponse -> Anthropic message. Block layout and signatures follow the
// same rules as the stream translator (stream.ts), so one conversation looks the same whether
// it was streamed or not; see signatures.ts for where signatures go.
import type { TranslateContext } from "../types.ts";
import {
  anthropicUsage,
  asString,
  blockReasonOf,
  finishReasonOf,
  firstCandidate,
  isObject,
  messageId,
  partsOf,
  readUsage,
  stopReason,
  type Json,
} from "./shared.ts";
import { encodeToolUseId, TEXT_SIGNATURE_PREFIX, THOUGHT_SIGNATURE_PREFIX } from "./signatures.ts";

// Type aliases, not interfaces: they stay assignable to Json, so blocks can be pushed as they are
// built and finished in place.
type ThinkingBlock = { type: "thinking"; thinking: string; signature: string };
type TextBlock = { type: "text"; text: string; citations: null };

export function geminiToMessagesResponse(json: unknown, ctx: TranslateContext): Record<string, unknown> {
  const response = isObject(json) ? json : {};
  const candidate = firstCandidate(response);
  const content: Json[] = [];
  let sawToolUse = false;
  // Consecutive thought parts are one thinking block until a signature seals it; consecutive
  // text parts are one text block until a signature follows them.
  let thinking: ThinkingBlock | null = null;
  let text: TextBlock | null = null;

  for (const part of partsOf(candidate)) {
    const signature = asString(part.thoughtSignature) || undefined;
    if (part.thought === true) {
      text = null;
      const t = asString(part.text) ?? "";
      if (!thinking && (t !== "" || signature)) {
        thinking = { type: "thinking", thinking: "", signature: THOUGHT_SIGNATURE_PREFIX };
        content.push(thinking);
      }
      if (thinking) {
        thinking.thinking += t;
        if (signature) {
          thinking.signature = THOUGHT_SIGNATURE_PREFIX + signature;
          thinking = null;
        }
      }
      continue;
    }
    thinking = null;
    if (isObject(part.functionCall)) {
      text = null;
      sawToolUse = true;
      const call = part.functionCall;
      content.push({
        type: "tool_use",
        id: encodeToolUseId({ callId: asString(call.id) || undefined, signature }),
        name: asString(call.name) ?? "",
        input: isObject(call.args) ? call.args : {},
      });
      continue;
    }
    if (typeof part.text === "string") {
      if (part.text !== "") {
        if (!text) {
          text = { type: "text", text: "", citations: null };
          content.push(text);
        }
        text.text += part.text;
      }
      if (signature) {
        content.push({ type: "thinking", thinking: "", signature: TEXT_SIGNATURE_PREFIX + signature });
        text = null;
      }
    }
    // inlineData output, executableCode, codeExecutionResult: no Anthropic block can hold them.
  }

  const blocked = candidate === undefined && blockReasonOf(response) !== undefined;
  return {
    id: messageId(response),
    type: "message",
    role: "assistant",
    model: ctx.publicModel,
    content,
    stop_reason: blocked ? "refusal" : stopReason(finishReasonOf(candidate), sawToolUse),
    stop_sequence: null,
    usage: anthropicUsage(readUsage(response.usageMetadata)),
  };
}
