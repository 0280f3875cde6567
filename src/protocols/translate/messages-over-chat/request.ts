// Anthropic Messages request -> OpenAI Chat Completions request. Builds a fresh body: any
// field not handled here is dropped on purpose (docs/translation.md lists what and why).
import { asArray, asNumber, asRecord, asString, copyIfSet, type Json } from "../json.ts";
import { dataUrl, effortForBudget, thinkingBlockFrom } from "../mapping.ts";
import { TranslationError, type TranslateContext } from "../types.ts";

/** Prefix marking a tool result Anthropic flagged is_error: OpenAI tool messages have no flag. */
export const TOOL_ERROR_PREFIX = "Error: ";

export function messagesToChatRequest(body: Json, ctx: TranslateContext): Json {
  const messages: Json[] = [];
  const system = systemText(body.system, "system");
  if (system) messages.push({ role: "system", content: system });
  asArray(body.messages).forEach((raw, i) => messages.push(...convertMessage(asRecord(raw), `messages[${i}]`)));

  const out: Json = { model: ctx.upstreamModel, messages };
  const maxTokens = asNumber(body.max_tokens);
  // max_completion_tokens: max_tokens is deprecated and refused by OpenAI's reasoning models.
  out.max_completion_tokens = maxTokens === undefined ? ctx.maxOutput : Math.min(maxTokens, ctx.maxOutput);

  const tools = convertTools(body.tools);
  if (tools.length > 0) {
    out.tools = tools;
    const choice = asRecord(body.tool_choice);
    const mapped = toolChoice(choice);
    if (mapped !== undefined) out.tool_choice = mapped;
    if (choice?.disable_parallel_tool_use === true && choice.type !== "none") out.parallel_tool_calls = false;
  }

  const stop = asArray(body.stop_sequences).filter((s): s is string => typeof s === "string");
  if (stop.length > 0) out.stop = stop;
  copyIfSet(out, body, "temperature");
  copyIfSet(out, body, "top_p");

  const effort = reasoningEffort(body);
  if (effort) out.reasoning_effort = effort;

  const format = asRecord(asRecord(body.output_config)?.format) ?? asRecord(body.output_format);
  if (format?.type === "json_schema") {
    out.response_format = { type: "json_schema", json_schema: { name: "response", schema: format.schema ?? {} } };
  }

  const user = asString(asRecord(body.metadata)?.user_id);
  if (user) out.user = user;
  if (body.stream === true) {
    out.stream = true;
    // Usage only arrives when asked for, and the Anthropic client needs it in message_delta.
    out.stream_options = { include_usage: true };
  }
  return out;
}

/** System prompt blocks joined into one message: several system messages trip some chat templates. */
function systemText(system: unknown, at: string): string {
  if (typeof system === "string") return system;
  return asArray(system)
    .map((raw, i) => {
      const block = asRecord(raw);
      const text = asString(block?.text);
      if (block?.type !== "text" || text === undefined) {
        throw new TranslationError(`${at}[${i}]`, "System blocks must be text.");
      }
      return text;
    })
    .filter((t) => t !== "")
    .join("\n\n");
}

function convertMessage(msg: Json | undefined, at: string): Json[] {
  switch (msg?.role) {
    case "user":
      return userMessages(blocksOf(msg.content), at);
    case "assistant": {
      const out = assistantMessage(blocksOf(msg.content), at);
      return out ? [out] : [];
    }
    case "system": {
      // Newer API: a system message mid-conversation. OpenAI has the same thing.
      const text = typeof msg.content === "string" ? msg.content : systemText(msg.content, `${at}.content`);
      return text ? [{ role: "system", content: text }] : [];
    }
    default:
      throw new TranslationError(`${at}.role`, `Unsupported role '${String(msg?.role)}'.`);
  }
}

function blocksOf(content: unknown): Json[] {
  if (typeof content === "string") return content ? [{ type: "text", text: content }] : [];
  return asArray(content).map((b) => asRecord(b) ?? {});
}

/**
 * One Anthropic user turn -> tool messages (its tool_result blocks, in order) followed by a
 * user message with the rest. Images inside tool results cannot sit in a tool message, so
 * they lead that user message.
 */
function userMessages(blocks: Json[], at: string): Json[] {
  const out: Json[] = [];
  const parts: Json[] = [];
  blocks.forEach((block, j) => {
    const where = `${at}.content[${j}]`;
    if (block.type === "tool_result") {
      const result = toolResult(block, where);
      out.push(result.message);
      parts.push(...result.images);
    }
  });
  blocks.forEach((block, j) => {
    if (block.type === "tool_result") return;
    const part = userPart(block, `${at}.content[${j}]`);
    if (part) parts.push(part);
  });
  if (parts.length > 0) out.push({ role: "user", content: compactParts(parts) });
  return out;
}

/** A lone text part as a plain string: the form every OpenAI-compatible server understands. */
function compactParts(parts: Json[]): string | Json[] {
  const only = parts.length === 1 ? parts[0] : undefined;
  return only?.type === "text" && typeof only.text === "string" ? only.text : parts;
}

function toolResult(block: Json, at: string): { message: Json; images: Json[] } {
  const id = asString(block.tool_use_id);
  if (!id) throw new TranslationError(at, "tool_result needs tool_use_id.");
  const texts: string[] = [];
  const images: Json[] = [];
  for (const inner of blocksOf(block.content)) {
    if (inner.type === "text") texts.push(asString(inner.text) ?? "");
    else if (inner.type === "image") images.push(imagePart(inner, at));
    else throw new TranslationError(at, `tool_result content of type '${String(inner.type)}' is not supported.`);
  }
  let content = texts.join("\n");
  if (block.is_error === true) content = TOOL_ERROR_PREFIX + content;
  return { message: { role: "tool", tool_call_id: id, content }, images };
}

function userPart(block: Json, at: string): Json | undefined {
  switch (block.type) {
    case "text": {
      const text = asString(block.text);
      return text ? { type: "text", text } : undefined;
    }
    case "image":
      return imagePart(block, at);
    case "document":
      return documentPart(block, at);
    case "thinking":
    case "redacted_thinking":
      return undefined; // only meaningful on assistant turns
    default:
      throw new TranslationError(at, `Content block type '${String(block.type)}' is not supported for this model.`);
  }
}

function imagePart(block: Json, at: string): Json {
  const source = asRecord(block.source);
  if (source?.type === "base64") {
    const data = asString(source.data);
    const mediaType = asString(source.media_type);
    if (data && mediaType) return { type: "image_url", image_url: { url: dataUrl(mediaType, data) } };
  }
  if (source?.type === "url" && asString(source.url)) return { type: "image_url", image_url: { url: source.url } };
  throw new TranslationError(at, "Images must have a base64 or url source.");
}

function documentPart(block: Json, at: string): Json {
  const source = asRecord(block.source);
  const title = asString(block.title);
  if (source?.type === "base64" && asString(source.data)) {
    const mediaType = asString(source.media_type) ?? "application/pdf";
    return {
      type: "file",
      file: { filename: title ?? "document.pdf", file_data: dataUrl(mediaType, String(source.data)) },
    };
  }
  // Plain-text and block-content documents are just text to a chat model.
  if (source?.type === "text" && typeof source.data === "string") {
    return { type: "text", text: title ? `${title}\n\n${source.data}` : source.data };
  }
  if (source?.type === "content") {
    const text = blocksOf(source.content)
      .map((b) => (b.type === "text" ? (asString(b.text) ?? "") : ""))
      .join("\n");
    return { type: "text", text: title ? `${title}\n\n${text}` : text };
  }
  throw new TranslationError(at, "Documents must be inline (base64 PDF or text); URL and file sources are not supported.");
}

function assistantMessage(blocks: Json[], at: string): Json | undefined {
  let text = "";
  let reasoning = "";
  let opaque = false;
  const thinkingBlocks: Json[] = [];
  const toolCalls: Json[] = [];
  blocks.forEach((block, j) => {
    if (block.type === "text") text += asString(block.text) ?? "";
    else if (block.type === "tool_use") {
      const id = asString(block.id);
      const name = asString(block.name);
      if (!id || !name) throw new TranslationError(`${at}.content[${j}]`, "tool_use needs id and name.");
      toolCalls.push({ id, type: "function", function: { name, arguments: JSON.stringify(block.input ?? {}) } });
    } else {
      const thinking = thinkingBlockFrom(block);
      if (!thinking) return; // server-tool blocks: their results cannot be replayed to another model
      thinkingBlocks.push(thinking);
      reasoning += asString(thinking.thinking) ?? "";
      opaque ||= thinking.type === "redacted_thinking" || thinking.signature !== "";
    }
  });
  if (!text && toolCalls.length === 0 && thinkingBlocks.length === 0) return undefined;
  // OpenAI allows null content only beside tool calls.
  const msg: Json = { role: "assistant", content: text || (toolCalls.length > 0 ? null : "") };
  // reasoning_content: DeepSeek/Kimi-style upstreams require it back during tool loops.
  if (reasoning) msg.reasoning_content = reasoning;
  // Signed blocks only mean something to an Anthropic hop further on; keep them for it.
  if (opaque) msg.thinking_blocks = thinkingBlocks;
  if (toolCalls.length > 0) msg.tool_calls = toolCalls;
  return msg;
}

function convertTools(raw: unknown): Json[] {
  return asArray(raw).map((t, i) => {
    const tool = asRecord(t);
    const name = asString(tool?.name);
    if (!tool || !name) throw new TranslationError(`tools[${i}]`, "Tools need a name.");
    if (tool.type !== undefined && tool.type !== null && tool.type !== "custom") {
      throw new TranslationError(`tools[${i}]`, `Server tool '${String(tool.type)}' is not supported for this model.`);
    }
    const fn: Json = { name };
    copyIfSet(fn, tool, "description");
    fn.parameters = asRecord(tool.input_schema) ?? { type: "object", properties: {} };
    if (tool.strict === true) fn.strict = true;
    return { type: "function", function: fn };
  });
}

function toolChoice(choice: Json | undefined): unknown {
  switch (choice?.type) {
    case "auto":
      return "auto";
    case "any":
      return "required";
    case "none":
      return "none";
    case "tool": {
      const name = asString(choice.name);
      if (!name) throw new TranslationError("tool_choice.name", "tool_choice of type tool needs a name.");
      return { type: "function", function: { name } };
    }
    default:
      return undefined;
  }
}

/**
 * thinking -> reasoning_effort. Adaptive thinking follows output_config.effort; without one
 * the upstream's default effort applies, as adaptive leaves the amount to the model.
 */
function reasoningEffort(body: Json): string | undefined {
  const thinking = asRecord(body.thinking);
  if (thinking?.type === "enabled") return effortForBudget(asNumber(thinking.budget_tokens) ?? 0);
  if (thinking?.type !== "adaptive") return undefined;
  const effort = asString(asRecord(body.output_config)?.effort);
  if (effort === "low" || effort === "medium") return effort;
  return effort ? "high" : undefined;
}
