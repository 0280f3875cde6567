// OpenAI chat.completion -> Anthropic message.
import { usageFromOpenAI } from "../../usage.ts";
import { asArray, asRecord, asString, type Json } from "../json.ts";
import { anthropicUsageFrom, mintId, stopReasonForFinish, thinkingBlockFrom, toolInput } from "../mapping.ts";
import type { TranslateContext } from "../types.ts";

export function chatToMessagesResponse(json: Json, ctx: TranslateContext): Json {
  const choice = asRecord(asArray(json.choices)[0]) ?? {};
  const message = asRecord(choice.message) ?? {};
  const content: Json[] = [...thinkingOf(message)];

  const text = asString(message.content);
  if (text) content.push({ type: "text", text });
  const refusal = asString(message.refusal);
  if (refusal) content.push({ type: "text", text: refusal });

  const calls = asArray(message.tool_calls).map((c) => asRecord(c) ?? {});
  for (const call of calls) {
    const fn = asRecord(call.function) ?? {};
    content.push({
      type: "tool_use",
      id: asString(call.id) ?? mintId("toolu_"),
      name: asString(fn.name) ?? "",
      input: toolInput(fn.arguments),
    });
  }

  const stopReason = refusal ? "refusal" : stopReasonForFinish(choice.finish_reason, calls.length > 0);
  return {
    id: asString(json.id) ?? mintId("msg_"),
    type: "message",
    role: "assistant",
    model: ctx.publicModel,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: anthropicUsageFrom(usageFromOpenAI(json.usage)),
  };
}

/**
 * Reasoning as thinking blocks. `thinking_blocks` (a LiteLLM-style or chained upstream)
 * carries signatures and wins; plain reasoning text (DeepSeek/Kimi/Qwen `reasoning_content`,
 * OpenRouter/vLLM `reasoning`) becomes one block with an empty signature, since none exists.
 */
function thinkingOf(message: Json): Json[] {
  const blocks = asArray(message.thinking_blocks)
    .map((b) => asRecord(b))
    .map((b) => b && thinkingBlockFrom(b))
    .filter((b): b is Json => b !== undefined);
  if (blocks.length > 0) return blocks;
  const reasoning = asString(message.reasoning_content) || asString(message.reasoning);
  return reasoning ? [{ type: "thinking", thinking: reasoning, signature: "" }] : [];
}
