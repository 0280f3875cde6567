// Upstream error messages are relayed to clients, but never what identifies the upstream:
// its host, its name, its keys or its own model ids.

// Provider names, but not the public model ids that contain them (gemini-3.1-pro, deepseek-v4-pro).
const PROVIDER_NAMES =
  /\b(openai|anthropic|claude\.ai|google|gemini|generativelanguage|vertex ai|deepseek|moonshot|x\.ai|xai|minimax|dashscope|alibaba|qwen|zhipu|bigmodel|z\.ai|xiaomi|mimo|openrouter|azure)\b(?!-\w)/gi;
const URLS = /\bhttps?:\/\/[^\s"'<>)]+/gi;
const KEYS = /\b(sk|sk-ant|sk-proj|xai|AIza)[-_][A-Za-z0-9_-]{6,}\b/g;
const REQUEST_IDS = /\breq_[A-Za-z0-9]{8,}\b/g;

export function scrubUpstreamMessage(message: string, opts: { host?: string; upstreamModel?: string; publicModel?: string }): string {
  let out = message;
  if (opts.host) out = out.split(opts.host).join("upstream");
  if (opts.upstreamModel && opts.publicModel && opts.upstreamModel !== opts.publicModel) {
    out = out.split(opts.upstreamModel).join(opts.publicModel);
  }
  return out
    .replace(URLS, "[url]")
    .replace(KEYS, "[redacted]")
    .replace(REQUEST_IDS, "[id]")
    .replace(PROVIDER_NAMES, "upstream");
}
