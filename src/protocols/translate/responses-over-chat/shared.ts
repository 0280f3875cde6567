// Pieces both the non-streamed and the streamed Responses translation build from, so that a
// streamed response.completed and a non-streamed body of the same answer are identical.
import type { TokenUsage } from "../../usage.ts";
import { asArray, asNumber, asRecord, asString, isRecord, type Json } from "../json.ts";
import { mintId, thinkingBlockFrom } from "../mapping.ts";
import type { TranslateContext } from "../types.ts";

/**
 * Marks `encrypted_content` minted by this gateway: a base64url JSON array of the Anthropic-
 * shaped thinking blocks (with signatures) a chained upstream returned. Not encryption: the
 * thinking text is in the same response in clear, and the upstream verifies its own
 * signatures. Clients replay reasoning items verbatim, which is what carries the signatures
 * back into the next tool-loop turn, where Anthropic requires them.
 */
export const ENCRYPTED_PREFIX = "sluice.thinking.v1:";

/** Thinking blocks -> encrypted_content, or undefined when none carries anything opaque. */
export function encodeThinking(blocks: Json[]): string | undefined {
  const opaque = blocks.some((b) => b.type === "redacted_thinking" || (asString(b.signature) ?? "") !== "");
  if (!opaque) return undefined;
  return ENCRYPTED_PREFIX + Buffer.from(JSON.stringify(blocks), "utf8").toString("base64url");
}

/**
 * encrypted_content -> thinking blocks. Anything not minted here (OpenAI's own encrypted
 * reasoning from an earlier turn on an OpenAI model, garbage) yields []: no other model can
 * read it, so it is dropped rather than refused.
 */
export function decodeThinking(encrypted: unknown): Json[] {
  const text = asString(encrypted);
  if (!text?.startsWith(ENCRYPTED_PREFIX)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text.slice(ENCRYPTED_PREFIX.length), "base64url").toString("utf8"));
  } catch {
    return [];
  }
  return asArray(parsed)
    .map((b) => asRecord(b))
    .map((b) => b && thinkingBlockFrom(b))
    .filter((b): b is Json => b !== undefined);
}

/**
 * Responses usage. input_tokens includes cached tokens and output_tokens reasoning, as in chat.
 * cache_write_tokens is always present: the SDK types it as required.
 */
export function responsesUsageFrom(u: TokenUsage, extra: Record<string, unknown> = {}): Json {
  const input = u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: u.cacheReadTokens, cache_write_tokens: u.cacheWriteTokens },
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens },
    total_tokens: input + u.outputTokens,
    ...extra,
  };
}

export type ResponseStatus = "completed" | "incomplete";

/** Chat finish_reason -> Responses status and incomplete_details. */
export function statusForFinish(finishReason: unknown): { status: ResponseStatus; incomplete: Json | null } {
  if (finishReason === "length") return { status: "incomplete", incomplete: { reason: "max_output_tokens" } };
  if (finishReason === "content_filter") return { status: "incomplete", incomplete: { reason: "content_filter" } };
  return { status: "completed", incomplete: null };
}

/**
 * Reasoning is rendered as a summary when the client asked for one (reasoning.summary), the
 * only form OpenAI's own models return and the one summary-only clients display; otherwise as
 * reasoning_text content, the form of open-weight models whose raw reasoning is visible.
 */
export function reasoningAsSummary(request: Json): boolean {
  const summary = asRecord(request.reasoning)?.summary ?? asRecord(request.reasoning)?.generate_summary;
  return typeof summary === "string" && summary !== "";
}

export function reasoningItem(id: string, text: string, asSummary: boolean, blocks: Json[], status: string): Json {
  const item: Json = { id, type: "reasoning", summary: [] };
  if (asSummary) {
    if (text) item.summary = [{ type: "summary_text", text }];
  } else item.content = text ? [{ type: "reasoning_text", text }] : [];
  const encrypted = encodeThinking(blocks);
  if (encrypted) item.encrypted_content = encrypted;
  item.status = status;
  return item;
}

export function functionCallItem(id: string, callId: string, name: string, args: string, status: string): Json {
  return { id, type: "function_call", status, arguments: args, call_id: callId, name };
}

/**
 * The request-echo part of a Response object. The SDK's Response type requires these fields,
 * and OpenAI echoes the request's values; without the request (it is optional for callers
 * that only have the upstream body) the API defaults stand in.
 */
export function responseShell(ctx: TranslateContext, request: Json, id: string, createdAt: number): Json {
  const reasoning = asRecord(request.reasoning);
  const text = asRecord(request.text);
  const maxOutput = asNumber(request.max_output_tokens);
  return {
    id,
    object: "response",
    created_at: createdAt,
    status: "in_progress",
    background: false,
    error: null,
    incomplete_details: null,
    instructions: typeof request.instructions === "string" ? request.instructions : null,
    max_output_tokens: maxOutput ?? null,
    metadata: isRecord(request.metadata) ? request.metadata : {},
    model: ctx.publicModel,
    output: [],
    parallel_tool_calls: typeof request.parallel_tool_calls === "boolean" ? request.parallel_tool_calls : true,
    previous_response_id: null,
    reasoning: { effort: asString(reasoning?.effort) ?? null, summary: asString(reasoning?.summary) ?? null },
    store: false,
    temperature: asNumber(request.temperature) ?? null,
    text: { format: asRecord(text?.format) ?? { type: "text" } },
    tool_choice: request.tool_choice ?? "auto",
    tools: asArray(request.tools),
    top_p: asNumber(request.top_p) ?? null,
    truncation: "disabled",
    usage: null,
    user: asString(request.user) ?? null,
  };
}

export function mintResponseId(): string {
  return mintId("resp_");
}

/** The single choice of a chat body or chunk (the gateway never asks for n > 1). */
export function firstChoice(json: Json): Json | undefined {
  return asArray(json.choices)
    .map((c) => asRecord(c))
    .find((c) => c !== undefined && (asNumber(c.index) ?? 0) === 0);
}

/** Reasoning text of a chat message or delta: DeepSeek/Kimi/Qwen `reasoning_content`, OpenRouter/vLLM `reasoning`. */
export function reasoningTextOf(m: Json): string {
  return asString(m.reasoning_content) || asString(m.reasoning) || "";
}

export function thinkingBlocksOf(m: Json): Json[] {
  return asArray(m.thinking_blocks)
    .map((b) => asRecord(b))
    .map((b) => b && thinkingBlockFrom(b))
    .filter((b): b is Json => b !== undefined);
}

/** ResponseError.code for a gateway/upstream error type (the SDK types it as an enum). */
export function responseErrorCode(type: string): string {
  if (/rate_limit|^requests$|^tokens$|quota/.test(type)) return "rate_limit_exceeded";
  if (type === "invalid_request_error" || type === "invalid_prompt") return "invalid_prompt";
  return "server_error";
}
