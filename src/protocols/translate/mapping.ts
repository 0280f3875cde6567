// Tables shared by both translation directions, kept in one place so that request, response
// and stream translators cannot drift apart. docs/translation.md documents each of them.
import type { TokenUsage } from "../usage.ts";
import { asRecord, asString, tryParseJson, type Json } from "./json.ts";

// ---------------------------------------------------------------------------------------
// reasoning_effort <-> thinking budget (LiteLLM's constants; stable across its versions)

/** Anthropic's smallest accepted thinking budget. */
export const MIN_THINKING_BUDGET = 1024;
/**
 * Output room kept for the answer when thinking shares max_tokens with it: a budget that
 * would leave less than this is shrunk, and below MIN_THINKING_BUDGET thinking is dropped.
 */
export const MIN_ANSWER_TOKENS = 256;

export const EFFORT_BUDGETS: Readonly<Record<string, number>> = {
  minimal: 1024,
  low: 1024,
  medium: 2048,
  high: 4096,
  // Newer OpenAI levels; no LiteLLM constant exists, these continue the doubling.
  xhigh: 8192,
  max: 16384,
};

/** Anthropic budget_tokens -> OpenAI reasoning_effort. */
export function effortForBudget(budget: number): "low" | "medium" | "high" {
  if (budget >= 4096) return "high";
  if (budget >= 2048) return "medium";
  return "low";
}

// ---------------------------------------------------------------------------------------
// stop_reason <-> finish_reason (protocols.md E.4)

export function finishReasonForStop(stopReason: unknown): string {
  switch (stopReason) {
    case "max_tokens":
    // The context window ran out mid-answer: the client should see a truncation, not "stop".
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      // end_turn, stop_sequence, pause_turn and anything newer: the turn ended normally.
      return "stop";
  }
}

/**
 * OpenAI finish_reason -> Anthropic stop_reason. `hadToolCalls` repairs upstreams that
 * report "stop" after emitting tool calls; an Anthropic client only runs tools on tool_use.
 */
export function stopReasonForFinish(finishReason: unknown, hadToolCalls: boolean): string {
  switch (finishReason) {
    case "length":
      return "max_tokens";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "content_filter":
      return "refusal";
    default:
      return hadToolCalls ? "tool_use" : "end_turn";
  }
}

// ---------------------------------------------------------------------------------------
// usage (protocols.md E.5). Both directions go through TokenUsage so that a round trip
// through either protocol bills the same tokens.

export function openAIUsageFrom(u: TokenUsage): Json {
  const prompt = u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens;
  const details: Json = { cached_tokens: u.cacheReadTokens };
  if (u.cacheWriteTokens > 0) details.cache_write_tokens = u.cacheWriteTokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: u.outputTokens,
    total_tokens: prompt + u.outputTokens,
    prompt_tokens_details: details,
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  };
}

export function anthropicUsageFrom(u: TokenUsage): Json {
  const out: Json = {
    input_tokens: u.inputTokens,
    cache_creation_input_tokens: u.cacheWriteTokens,
    cache_read_input_tokens: u.cacheReadTokens,
    output_tokens: u.outputTokens,
  };
  if (u.reasoningTokens > 0) out.output_tokens_details = { thinking_tokens: u.reasoningTokens };
  return out;
}

// ---------------------------------------------------------------------------------------
// ids and data URLs

/** A fresh id for objects whose upstream gave none (ids are opaque to every client). */
export function mintId(prefix: string): string {
  return prefix + crypto.randomUUID().replaceAll("-", "").slice(0, 24);
}

/**
 * Anthropic accepts tool ids matching ^[a-zA-Z0-9_-]+$ only, while OpenAI-compatible
 * providers mint ids like "functions.get_weather:0". The same replacement is applied to
 * tool_use ids and tool_result references, so pairs still match.
 */
export function anthropicToolId(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, "_");
}

export interface DataUrl {
  mediaType: string;
  data: string;
}

/** Splits a base64 `data:` URL; other encodings are not used by any client we serve. */
export function parseDataUrl(url: string): DataUrl | undefined {
  const m = /^data:([^;,]+)(?:;[^;,=]+=[^;,]*)*;base64,(.*)$/s.exec(url);
  if (!m || m[1] === undefined || m[2] === undefined) return undefined;
  return { mediaType: m[1].toLowerCase(), data: m[2] };
}

export function dataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}

export const ANTHROPIC_IMAGE_TYPES: ReadonlySet<string> = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

/**
 * A thinking or redacted_thinking block, normalised. OpenAI-side `thinking_blocks` entries use
 * Anthropic's own block shape, so one reader serves both; anything else yields undefined.
 */
export function thinkingBlockFrom(v: Json): Json | undefined {
  if (v.type === "thinking") {
    const block: Json = { type: "thinking", thinking: asString(v.thinking) ?? "" };
    block.signature = asString(v.signature) ?? "";
    return block;
  }
  if (v.type === "redacted_thinking") {
    const data = asString(v.data);
    return data === undefined ? undefined : { type: "redacted_thinking", data };
  }
  return undefined;
}

/**
 * OpenAI tool-call arguments (a JSON string) -> Anthropic tool input (an object). Arguments
 * that are empty, invalid JSON or not an object - models do emit broken JSON - become {}:
 * an Anthropic body must hold an object, and a tool run with missing parameters reports
 * that, so the model can retry; failing the whole request would help nobody.
 */
export function toolInput(args: unknown): Json {
  if (typeof args !== "string") return asRecord(args) ?? {};
  return asRecord(tryParseJson(args)) ?? {};
}
