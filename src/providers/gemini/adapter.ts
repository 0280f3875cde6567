import type { ProviderAdapter } from "../types.ts";

/**
 * Gemini names the model and the streaming mode in the URL, not in the body: a `model` or
 * `stream` field in the body is an "Unknown name" 400 there, so both are removed here.
 */
export const geminiAdapter: ProviderAdapter = {
  kind: "gemini",
  protocol: "gemini",
  buildCall(provider, body, _incoming, opts) {
    const { model: _model, stream: _stream, ...rest } = body;
    // Catalogs sometimes hold Gemini's resource name ("models/x") instead of the bare id.
    const model = encodeURIComponent(opts.upstreamModel.replace(/^models\//, ""));
    const base = provider.baseUrl.replace(/\/+$/, "");
    const method = opts.stream ? "streamGenerateContent?alt=sse" : "generateContent";
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (provider.apiKey) headers["x-goog-api-key"] = provider.apiKey;
    return { url: `${base}/v1beta/models/${model}:${method}`, headers, body: JSON.stringify(rest) };
  },
};
