// OpenAI-compatible upstreams (DeepSeek, Moonshot, Qwen, Zhipu, MiniMax, xAI, Xiaomi,
// self-hosted open weights) take the OpenAI chat wire format at their own base URL.
import { openaiChatCall } from "../openai/adapter.ts";
import type { ProviderAdapter } from "../types.ts";

export const openaiCompatibleAdapter: ProviderAdapter = {
  kind: "openai-compatible",
  protocol: "openai-chat",
  buildCall: (provider, body) => openaiChatCall(provider, body),
};
