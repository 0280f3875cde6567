// OpenAI chat.completion -> OpenAI Responses `response` object.
import { usageFromOpenAI } from "../../usage.ts";
import { asArray, asNumber, asRecord, asString, type Json } from "../json.ts";
import { mintId } from "../mapping.ts";
import type { TranslateContext } from "../types.ts";
import {
  firstChoice,
  functionCallItem,
  mintResponseId,
  reasoningAsSummary,
  reasoningItem,
  reasoningTextOf,
  responseShell,
  responsesUsageFrom,
  statusForFinish,
  thinkingBlocksOf,
} from "./shared.ts";

/**
 * `request` is the client's Responses body: its settings are echoed in the response as OpenAI
 * does, and reasoning.summary decides how reasoning is rendered. `extraUsage` fields (e.g.
 * cost_usd) are added to usage.
 */
export function chatToResponsesResponse(
  json: Json,
  ctx: TranslateContext,
  request: Json = {},
  extraUsage: Record<string, unknown> = {},
): Json {
  const choice = firstChoice(json) ?? {};
  const message = asRecord(choice.message) ?? {};
  const { status, incomplete } = statusForFinish(choice.finish_reason);
  const output: Json[] = [];

  const blocks = thinkingBlocksOf(message);
  const reasoning = reasoningTextOf(message) || blocks.map((b) => asString(b.thinking) ?? "").join("");
  if (reasoning || blocks.length > 0) {
    output.push(reasoningItem(mintId("rs_"), reasoning, reasoningAsSummary(request), blocks, "completed"));
  }

  const content: Json[] = [];
  const text = textOf(message.content);
  if (text) content.push({ type: "output_text", annotations: [], logprobs: [], text });
  const refusal = asString(message.refusal);
  if (refusal) content.push({ type: "refusal", refusal });
  if (content.length > 0) output.push({ id: mintId("msg_"), type: "message", status: "completed", content, role: "assistant" });

  for (const raw of asArray(message.tool_calls)) {
    const call = asRecord(raw) ?? {};
    const fn = asRecord(call.function) ?? {};
    const callId = asString(call.id) ?? mintId("call_");
    output.push(functionCallItem(mintId("fc_"), callId, asString(fn.name) ?? "", asString(fn.arguments) ?? "", "completed"));
  }
  // A cut-off answer ends in its last item; the items before it were finished.
  const last = output[output.length - 1];
  if (status === "incomplete" && last) last.status = "incomplete";

  return {
    ...responseShell(ctx, request, mintResponseId(), asNumber(json.created) ?? Math.floor(Date.now() / 1000)),
    status,
    incomplete_details: incomplete,
    output,
    usage: responsesUsageFrom(usageFromOpenAI(json.usage), extraUsage),
  };
}

/** Chat content is a string; a few providers send text parts instead. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  return asArray(content)
    .map((p) => asRecord(p))
    .map((p) => (p?.type === "text" ? (asString(p.text) ?? "") : ""))
    .join("");
}
