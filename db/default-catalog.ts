// The default catalog: the 18 models of the product page (seeds/000), each mapped to one
// provider of ARCHITECTURE.md section 5 and the id that provider knows it by. Prices are
// credits per 1M tokens as listed; cache prices default to fixed multipliers of the input
// price (see CACHE_READ_RATIO / CACHE_WRITE_RATIO).

export type ProviderKind = "openai" | "anthropic" | "gemini" | "openai-compatible";

export interface DefaultProvider {
  id: string;
  kind: ProviderKind;
  baseUrl: string;
}

export const DEFAULT_PROVIDERS: DefaultProvider[] = [
  { id: "openai", kind: "openai", baseUrl: "https://api.openai.com/v1" },
  { id: "anthropic", kind: "anthropic", baseUrl: "https://api.anthropic.com" },
  { id: "gemini", kind: "gemini", baseUrl: "https://generativelanguage.googleapis.com" },
  { id: "xai", kind: "openai-compatible", baseUrl: "https://api.x.ai/v1" },
  { id: "deepseek", kind: "openai-compatible", baseUrl: "https://api.deepseek.com/v1" },
  { id: "moonshot", kind: "openai-compatible", baseUrl: "https://api.moonshot.ai/v1" },
  { id: "minimax", kind: "openai-compatible", baseUrl: "https://api.minimax.io/v1" },
  { id: "qwen", kind: "openai-compatible", baseUrl: "https://dashscope-intl.aliyuncs.com/compatible-mode/v1" },
  { id: "zhipu", kind: "openai-compatible", baseUrl: "https://api.z.ai/api/paas/v4" },
  { id: "xiaomi", kind: "openai-compatible", baseUrl: "https://api.xiaomimimo.com/v1" },
  // Self-hosted open-weight models (vLLM, SGLang, llama.cpp all serve this shape).
  { id: "openweight", kind: "openai-compatible", baseUrl: "http://127.0.0.1:8000/v1" },
];

/** Cache reads cost a tenth of fresh input, cache writes a quarter more (Anthropic's 5-minute rate). */
export const CACHE_READ_RATIO = { num: 1n, den: 10n };
export const CACHE_WRITE_RATIO = { num: 5n, den: 4n };

export interface DefaultModel {
  id: string;
  displayName: string;
  class: "flagship" | "mid" | "fast" | "open";
  contextWindow: number;
  maxOutput: number;
  /** Credits per 1M tokens. */
  input: number;
  output: number;
  flags: ("reasoning" | "vision")[];
  provider: string;
  upstreamModel: string;
}

const R = "reasoning" as const;
const V = "vision" as const;

export const DEFAULT_MODELS: DefaultModel[] = [
  { id: "gpt-5.5", displayName: "GPT-5.5", class: "flagship", contextWindow: 1_050_000, maxOutput: 128_000, input: 200, output: 600, flags: [R, V], provider: "openai", upstreamModel: "gpt-5.5" },
  { id: "claude-opus-4.7", displayName: "Claude Opus 4.7", class: "flagship", contextWindow: 200_000, maxOutput: 64_000, input: 600, output: 3000, flags: [R, V], provider: "anthropic", upstreamModel: "claude-opus-4-7" },
  { id: "gemini-3.1-pro", displayName: "Gemini 3.1 Pro", class: "flagship", contextWindow: 1_050_000, maxOutput: 65_536, input: 140, output: 420, flags: [R, V], provider: "gemini", upstreamModel: "gemini-3.1-pro-preview" },
  { id: "grok-4.3", displayName: "Grok 4.3", class: "flagship", contextWindow: 256_000, maxOutput: 64_000, input: 120, output: 600, flags: [R], provider: "xai", upstreamModel: "grok-4.3" },
  { id: "gpt-5.3-codex", displayName: "GPT-5.3 Codex", class: "flagship", contextWindow: 400_000, maxOutput: 128_000, input: 200, output: 600, flags: [R, V], provider: "openai", upstreamModel: "gpt-5.3-codex" },
  { id: "claude-sonnet-4.6", displayName: "Claude Sonnet 4.6", class: "mid", contextWindow: 1_000_000, maxOutput: 64_000, input: 120, output: 600, flags: [R, V], provider: "anthropic", upstreamModel: "claude-sonnet-4-6" },
  { id: "deepseek-v4-pro", displayName: "DeepSeek V4 Pro", class: "mid", contextWindow: 164_000, maxOutput: 64_000, input: 60, output: 200, flags: [R], provider: "deepseek", upstreamModel: "deepseek-v4-pro" },
  { id: "kimi-k2.6", displayName: "Kimi K2.6", class: "mid", contextWindow: 262_000, maxOutput: 32_768, input: 60, output: 200, flags: [R, V], provider: "moonshot", upstreamModel: "kimi-k2.6" },
  { id: "minimax-m2.7", displayName: "MiniMax M2.7", class: "mid", contextWindow: 1_000_000, maxOutput: 128_000, input: 60, output: 200, flags: [R], provider: "minimax", upstreamModel: "MiniMax-M2.7" },
  { id: "qwen3.5-397b-a17b", displayName: "Qwen3.5 397B A17B", class: "mid", contextWindow: 262_000, maxOutput: 65_536, input: 40, output: 160, flags: [R, V], provider: "qwen", upstreamModel: "qwen3.5-397b-a17b" },
  { id: "glm-5.1", displayName: "GLM-5.1", class: "mid", contextWindow: 200_000, maxOutput: 128_000, input: 40, output: 160, flags: [R], provider: "zhipu", upstreamModel: "glm-5.1" },
  { id: "claude-haiku-4.5", displayName: "Claude Haiku 4.5", class: "fast", contextWindow: 200_000, maxOutput: 64_000, input: 40, output: 200, flags: [R, V], provider: "anthropic", upstreamModel: "claude-haiku-4-5" },
  { id: "gpt-5.4-mini", displayName: "GPT-5.4 mini", class: "fast", contextWindow: 400_000, maxOutput: 128_000, input: 16, output: 64, flags: [R, V], provider: "openai", upstreamModel: "gpt-5.4-mini" },
  { id: "deepseek-v4-flash", displayName: "DeepSeek V4 Flash", class: "fast", contextWindow: 164_000, maxOutput: 64_000, input: 10, output: 40, flags: [R], provider: "deepseek", upstreamModel: "deepseek-v4-flash" },
  { id: "gemini-3-flash", displayName: "Gemini 3 Flash", class: "fast", contextWindow: 1_050_000, maxOutput: 65_536, input: 6, output: 24, flags: [R, V], provider: "gemini", upstreamModel: "gemini-3-flash-preview" },
  { id: "mimo-v2-flash", displayName: "MiMo V2 Flash", class: "fast", contextWindow: 200_000, maxOutput: 64_000, input: 6, output: 24, flags: [R], provider: "xiaomi", upstreamModel: "mimo-v2-flash" },
  { id: "gemma-4-31b-it", displayName: "Gemma 4 31B IT", class: "open", contextWindow: 131_000, maxOutput: 8_192, input: 0, output: 0, flags: [V], provider: "openweight", upstreamModel: "gemma-4-31b-it" },
  { id: "gpt-oss-120b", displayName: "gpt-oss-120b", class: "open", contextWindow: 131_000, maxOutput: 32_768, input: 0, output: 0, flags: [R], provider: "openweight", upstreamModel: "gpt-oss-120b" },
];
