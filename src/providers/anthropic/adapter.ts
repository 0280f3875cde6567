import type { ProviderAdapter } from "../types.ts";

const DEFAULT_VERSION = "2023-06-01";

export const anthropicAdapter: ProviderAdapter = {
  kind: "anthropic",
  protocol: "anthropic-messages",
  buildCall(provider, body, incoming) {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "anthropic-version": incoming.get("anthropic-version") ?? DEFAULT_VERSION,
    };
    // Betas are features of the request itself (prompt caching variants, new tools):
    // dropping them would change what the model does.
    const beta = incoming.get("anthropic-beta");
    if (beta) headers["anthropic-beta"] = beta;
    if (provider.apiKey) headers["x-api-key"] = provider.apiKey;
    return { url: `${provider.baseUrl}/v1/messages`, headers, body: JSON.stringify(body) };
  },
};
