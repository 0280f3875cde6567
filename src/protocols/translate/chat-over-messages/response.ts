// Anthropic message -> OpenAI chat.completion.
import { usageFromAnthropic } from "../../usage.ts";
import { asArray, asRecord, asString, type Json } from "../json.ts";
import { finishReasonForStop, mintId, openAIUsageFrom, thinkingBlockFrom } from "../mapping.ts";
import type { TranslateContext } from "../types.ts";

export function messagesToChatResponse(json: Json, ctx: TranslateContext): Json {
  const parts = assistantParts(asArray(json.content));
  const message: Json = {
    role: "assistant",
    // OpenAI sends null content on pure tool-call turns; "" would read as an empty answer.
    content: parts.text === "" && parts.toolCalls.length > 0 ? null : parts.text,
    refusal: null,
  };
  if (parts.toolCalls.length > 0) message.tool_calls = parts.toolCalls;
  if (parts.thinkingBlocks.length > 0) {
    message.reasoning_content = parts.reasoning;
    message.thinking_blocks = parts.thinkingBlocks;
  }
  return {
    id: asString(json.id) ?? mintId("chatcmpl-"),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: ctx.publicModel,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonForStop(json.stop_reason) }],
    usage: openAIUsageFrom(usageFromAnthropic(json.usage)),
  };
}

interface AssistantParts {
  text: string;
  reasoning: string;
  thinkingBlocks: Json[];
  toolCalls: Json[];
}

/**
 * Splits Anthropic content into the OpenAI message fields. Text blocks are concatenated
 * (Anthropic splits text around citations and tool calls); server-tool blocks and citations
 * have no OpenAI form and are dropped.
 */
function assistantParts(content: unknown[]): AssistantParts {
  const out: AssistantParts = { text: "", reasoning: "", thinkingBlocks: [], toolCalls: [] };
  for (const raw of content) {
    const block = asRecord(raw);
    if (!block) continue;
    if (block.type === "text") out.text += asString(block.text) ?? "";
    else if (block.type === "tool_use") {
      out.toolCalls.push({
        id: asString(block.id) ?? mintId("call_"),
        type: "function",
        function: { name: asString(block.name) ?? "", arguments: JSON.stringify(block.input ?? {}) },
      });
    } else {
      const thinking = thinkingBlockFrom(block);
      if (!thinking) continue;
      out.thinkingBlocks.push(thinking);
      out.reasoning += asString(thinking.thinking) ?? "";
    }
  }
  return out;
}
