// Maps each protocol's usage object to the gateway's TokenUsage, where inputTokens means
// input neither read from nor written to a cache (so each token is priced once).

/** Token counts of one request, as every protocol reports them once normalised. */
export interface TokenUsage {
  /** Input tokens not served from or written to a cache. */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Part of outputTokens; recorded, priced as output. */
  reasoningTokens: number;
}

type Json = Record<string, unknown>;

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
}

function obj(v: unknown): Json {
  return typeof v === "object" && v !== null ? (v as Json) : {};
}

/** OpenAI chat `usage`: prompt_tokens includes cached tokens, completion_tokens includes reasoning. */
export function usageFromOpenAI(usage: unknown): TokenUsage {
  const u = obj(usage);
  const prompt = obj(u.prompt_tokens_details);
  const completion = obj(u.completion_tokens_details);
  const cacheRead = num(prompt.cached_tokens);
  const cacheWrite = num(prompt.cache_write_tokens) || num(u.cache_creation_input_tokens);
  return {
    inputTokens: Math.max(0, num(u.prompt_tokens) - cacheRead - cacheWrite),
    outputTokens: num(u.completion_tokens),
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: num(completion.reasoning_tokens),
  };
}

/** Anthropic `usage`: input_tokens already excludes cache reads and writes. */
export function usageFromAnthropic(usage: unknown): TokenUsage {
  const u = obj(usage);
  return {
    inputTokens: num(u.input_tokens),
    outputTokens: num(u.output_tokens),
    cacheReadTokens: num(u.cache_read_input_tokens),
    cacheWriteTokens: num(u.cache_creation_input_tokens),
    reasoningTokens: num(obj(u.output_tokens_details).thinking_tokens),
  };
}

/**
 * Anthropic streams report usage twice: message_start (input side, output 1) and
 * message_delta (cumulative; newer APIs repeat the input side). Later non-null values win.
 */
export function mergeAnthropicUsage(base: TokenUsage, delta: unknown): TokenUsage {
  const u = obj(delta);
  return {
    inputTokens: u.input_tokens == null ? base.inputTokens : num(u.input_tokens),
    outputTokens: u.output_tokens == null ? base.outputTokens : num(u.output_tokens),
    cacheReadTokens: u.cache_read_input_tokens == null ? base.cacheReadTokens : num(u.cache_read_input_tokens),
    cacheWriteTokens:
      u.cache_creation_input_tokens == null ? base.cacheWriteTokens : num(u.cache_creation_input_tokens),
    reasoningTokens:
      u.output_tokens_details == null ? base.reasoningTokens : num(obj(u.output_tokens_details).thinking_tokens),
  };
}

export const ZERO_USAGE: TokenUsage = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
};

/** OpenAI Responses `usage`: input_tokens includes cached tokens, output_tokens includes reasoning. */
export function usageFromResponses(usage: unknown): TokenUsage {
  const u = obj(usage);
  const input = obj(u.input_tokens_details);
  const output = obj(u.output_tokens_details);
  const cacheRead = num(input.cached_tokens);
  const cacheWrite = num(input.cache_write_tokens);
  return {
    inputTokens: Math.max(0, num(u.input_tokens) - cacheRead - cacheWrite),
    outputTokens: num(u.output_tokens),
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: num(output.reasoning_tokens),
  };
}
