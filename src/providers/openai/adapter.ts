import type { ProviderAdapter, ProviderConfig, UpstreamCall } from "../types.ts";

export function openaiChatCall(provider: ProviderConfig, body: Record<string, unknown>): UpstreamCall {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (provider.apiKey) headers.authorization = `Bearer ${provider.apiKey}`;
  return { url: `${provider.baseUrl}/chat/completions`, headers, body: JSON.stringify(body) };
}

export const openaiAdapter: ProviderAdapter = {
  kind: "openai",
  protocol: "openai-chat",
  buildCall: (provider, body) => openaiChatCall(provider, body),
};
