// What the Gemini response and stream translators share: JSON narrowing, usage, stop reasons,
// error types, and the id of the Anthropic message.
import type { TokenUsage } from "../../usage.ts";

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function asString(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function count(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
}

/** Gemini usageMetadata, the counts that matter for billing. */
export interface GeminiUsage {
  /** Includes the cached part. */
  prompt: number;
  cached: number;
  /** Visible output. */
  candidates: number;
  /** Thinking, not part of candidates. */
  thoughts: number;
  /** Prompt added by server-side tool runs, counted apart from prompt. */
  toolUse: number;
}

export function readUsage(v: unknown): GeminiUsage | null {
  if (!isObject(v)) return null;
  return {
    prompt: count(v.promptTokenCount),
    cached: count(v.cachedContentTokenCount),
    candidates: count(v.candidatesTokenCount),
    thoughts: count(v.thoughtsTokenCount),
    toolUse: count(v.toolUsePromptTokenCount),
  };
}

export function tokenUsage(u: GeminiUsage): TokenUsage {
  return {
    // Tool-use prompt tokens are input the model read, billed like the rest of the prompt.
    inputTokens: Math.max(0, u.prompt - u.cached) + u.toolUse,
    outputTokens: u.candidates + u.thoughts,
    cacheReadTokens: u.cached,
    // Gemini caches are created explicitly (cachedContents API), never as a side effect.
    cacheWriteTokens: 0,
    reasoningTokens: u.thoughts,
  };
}

/** Anthropic `usage` object; without any usageMetadata everything is 0. */
export function anthropicUsage(u: GeminiUsage | null): Json {
  const t = u ? tokenUsage(u) : null;
  return {
    input_tokens: t?.inputTokens ?? 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: t?.cacheReadTokens ?? 0,
    output_tokens: t?.outputTokens ?? 0,
    output_tokens_details: { thinking_tokens: t?.reasoningTokens ?? 0 },
  };
}

// Filters of any kind end the answer for content reasons: the closest Anthropic meaning is a
// refusal. MALFORMED_FUNCTION_CALL & co. are the model failing at tools, not a policy stop.
const REFUSAL_REASONS = new Set([
  "SAFETY",
  "RECITATION",
  "LANGUAGE",
  "OTHER",
  "BLOCKLIST",
  "PROHIBITED_CONTENT",
  "SPII",
  "IMAGE_SAFETY",
  "IMAGE_PROHIBITED_CONTENT",
  "IMAGE_RECITATION",
  "IMAGE_OTHER",
  "NO_IMAGE",
]);

export function stopReason(finishReason: string | undefined, sawToolUse: boolean): string {
  if (finishReason === "MAX_TOKENS" || finishReason === "CONTINUATION") return "max_tokens";
  if (finishReason !== undefined && REFUSAL_REASONS.has(finishReason)) return "refusal";
  // Gemini has no finish reason for tool use: a STOP with function calls is a tool_use stop.
  return sawToolUse ? "tool_use" : "end_turn";
}

/** A finishReason that ends the candidate ("FINISH_REASON_UNSPECIFIED" does not count). */
export function finishReasonOf(candidate: Json | undefined): string | undefined {
  const r = asString(candidate?.finishReason);
  return r && r !== "FINISH_REASON_UNSPECIFIED" ? r : undefined;
}

/** promptFeedback.blockReason of a prompt refused before any candidate was made. */
export function blockReasonOf(response: Json): string | undefined {
  const feedback = response.promptFeedback;
  const r = isObject(feedback) ? asString(feedback.blockReason) : undefined;
  return r && r !== "BLOCKED_REASON_UNSPECIFIED" ? r : undefined;
}

const ERROR_TYPE_OF_STATUS: Record<string, string> = {
  INVALID_ARGUMENT: "invalid_request_error",
  FAILED_PRECONDITION: "invalid_request_error",
  OUT_OF_RANGE: "invalid_request_error",
  UNAUTHENTICATED: "authentication_error",
  PERMISSION_DENIED: "permission_error",
  NOT_FOUND: "not_found_error",
  RESOURCE_EXHAUSTED: "rate_limit_error",
  UNAVAILABLE: "overloaded_error",
  DEADLINE_EXCEEDED: "timeout_error",
  INTERNAL: "api_error",
};

/** Anthropic error type for a google.rpc error object ({code, message, status}). */
export function anthropicErrorType(error: Json): string {
  const status = asString(error.status);
  if (status && ERROR_TYPE_OF_STATUS[status]) return ERROR_TYPE_OF_STATUS[status];
  const code = typeof error.code === "number" ? error.code : 500;
  if (code === 429) return "rate_limit_error";
  if (code === 503) return "overloaded_error";
  return code >= 500 ? "api_error" : "invalid_request_error";
}

const ID_SAFE = /[^A-Za-z0-9_-]/g;

/** `msg_` + Gemini's responseId when there is one, so logs on both sides can be matched. */
export function messageId(response: Json): string {
  const rid = asString(response.responseId)?.replace(ID_SAFE, "");
  if (rid) return `msg_${rid}`;
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return "msg_" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function firstCandidate(response: Json): Json | undefined {
  const c = asArray(response.candidates)[0];
  return isObject(c) ? c : undefined;
}

export function partsOf(candidate: Json | undefined): Json[] {
  const content = candidate?.content;
  return isObject(content) ? asArray(content.parts).filter(isObject) : [];
}
