import type { ProviderAdapter, ProviderConfig, UpstreamCall } from "../types.ts";

export function openaiChatCall(provider: ProviderConfig, body: Record<string, unknown>, path = "/chat/completions"): UpstreamCall {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (provider.apiKey) headers.authorization = `Bearer ${provider.apiKey}`;
  return { url: `${provider.baseUrl}${path}`, headers, body: JSON.stringify(body) };
}

export const openaiAdapter: ProviderAdapter = {
  kind: "openai",
  protocol: "openai-chat",
  buildCall: (provider, body, _incoming, opts) =>
    openaiChatCall(provider, body, opts.endpoint === "responses" ? "/responses" : "/chat/completions"),
};
