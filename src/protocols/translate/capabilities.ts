// Requests a model cannot serve are refused before any upstream call, in the client's
// protocol, instead of failing upstream with a provider-specific error (or, worse, being
// answered with the images or reasoning silently ignored).
import { asArray, asRecord, type Json } from "./json.ts";
import { TranslationError, type TranslateContext } from "./types.ts";

export function checkCapabilities(protocol: "openai" | "anthropic", body: Json, ctx: TranslateContext): void {
  if (!ctx.flags.vision && hasImages(protocol, body)) {
    throw new TranslationError("messages", `The model '${ctx.publicModel}' does not accept images`);
  }
  if (!ctx.flags.reasoning) {
    const param = reasoningParam(protocol, body);
    if (param) throw new TranslationError(param, `The model '${ctx.publicModel}' does not support reasoning`);
  }
}

function hasImages(protocol: "openai" | "anthropic", body: Json): boolean {
  return asArray(body.messages).some((raw) => {
    const content = asRecord(raw)?.content;
    return protocol === "openai" ? asArray(content).some(isOpenAIImage) : asArray(content).some(isAnthropicImage);
  });
}

function isOpenAIImage(raw: unknown): boolean {
  const part = asRecord(raw);
  if (part?.type === "image_url") return true;
  // Images can also travel as file parts with an image data URL.
  const data = asRecord(part?.file)?.file_data;
  return part?.type === "file" && typeof data === "string" && data.startsWith("data:image/");
}

/** Tool results may carry images too (screenshots from computer-use style tools). */
function isAnthropicImage(raw: unknown): boolean {
  const block = asRecord(raw);
  if (block?.type === "image") return true;
  return block?.type === "tool_result" && asArray(block.content).some(isAnthropicImage);
}

function reasoningParam(protocol: "openai" | "anthropic", body: Json): string | undefined {
  if (protocol === "openai") {
    const effort = body.reasoning_effort;
    return effort != null && effort !== "none" ? "reasoning_effort" : undefined;
  }
  const type = asRecord(body.thinking)?.type;
  return type === "enabled" || type === "adaptive" ? "thinking" : undefined;
}
