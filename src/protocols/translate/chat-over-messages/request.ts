// OpenAI Chat Completions request -> Anthropic Messages request. Builds a fresh body: any
// field not handled here is dropped on purpose (docs/translation.md lists what and why).
import { asArray, asNumber, asRecord, asString, copyIfSet, type Json } from "../json.ts";
import {
  ANTHROPIC_IMAGE_TYPES,
  EFFORT_BUDGETS,
  MIN_ANSWER_TOKENS,
  MIN_THINKING_BUDGET,
  anthropicToolId,
  parseDataUrl,
  thinkingBlockFrom,
  toolInput,
} from "../mapping.ts";
import { TranslationError, type TranslateContext } from "../types.ts";

/** Appended to the system prompt for response_format json_object: Anthropic has no JSON mode. */
export const JSON_OBJECT_INSTRUCTION = "Respond with a single valid JSON object and nothing else.";

interface AnthropicMessage {
  role: "user" | "assistant";
  content: Json[];
}

export function chatToMessagesRequest(body: Json, ctx: TranslateContext): Json {
  rejectUncarried(body);
  const system: Json[] = [];
  const messages = mergeTurns(convertMessages(asArray(body.messages), system));
  trimPrefill(messages);
  if (messages.length === 0) {
    throw new TranslationError("messages", "At least one user or assistant message is required.");
  }

  const out: Json = { model: ctx.upstreamModel };
  const maxTokens = maxTokensOf(body, ctx);
  out.max_tokens = maxTokens;

  const { choice, allowed } = convertToolChoice(body);
  const tools = convertTools(body.tools)?.filter((t) => !allowed || allowed.has(String(t.name))) ?? [];
  // Without tools a tool_choice means nothing to Anthropic (and it rejects one).
  const toolChoice = tools.length > 0 ? choice : undefined;
  const thinking = thinkingFor(body, maxTokens, toolChoice, messages);

  const format = asRecord(body.response_format);
  if (format?.type === "json_object") system.push({ type: "text", text: JSON_OBJECT_INSTRUCTION });
  if (format?.type === "json_schema") {
    const schema = asRecord(asRecord(format.json_schema)?.schema);
    if (!schema) throw new TranslationError("response_format", "response_format.json_schema.schema is required.");
    out.output_config = { format: { type: "json_schema", schema } };
  }

  if (system.length > 0) out.system = system;
  out.messages = messages;
  if (tools.length > 0) out.tools = tools;
  if (toolChoice) out.tool_choice = toolChoice;
  if (thinking) out.thinking = thinking;

  const stop = stopSequences(body.stop);
  if (stop.length > 0) out.stop_sequences = stop;

  const temperature = asNumber(body.temperature);
  // Thinking rejects any temperature/top_k change and top_p below 0.95.
  if (temperature !== undefined && !thinking) out.temperature = Math.min(Math.max(temperature, 0), 1);
  const topP = asNumber(body.top_p);
  if (topP !== undefined && (!thinking || topP >= 0.95)) out.top_p = topP;
  const topK = asNumber(body.top_k);
  if (topK !== undefined && !thinking) out.top_k = topK;

  const user = asString(body.user) ?? asString(body.safety_identifier);
  if (user) out.metadata = { user_id: user };
  if (body.stream === true) out.stream = true;
  return out;
}

/** Fields whose effect the client would silently lose: refused instead of dropped. */
function rejectUncarried(body: Json): void {
  const n = asNumber(body.n);
  if (n !== undefined && n > 1) throw new TranslationError("n", "n > 1 is not supported for this model.");
  if (body.logprobs === true || (asNumber(body.top_logprobs) ?? 0) > 0) {
    throw new TranslationError("logprobs", "logprobs are not supported for this model.");
  }
  if (body.audio != null || asArray(body.modalities).includes("audio")) {
    throw new TranslationError("modalities", "Audio output is not supported for this model.");
  }
  if (body.functions != null || body.function_call != null) {
    throw new TranslationError("functions", "The deprecated functions/function_call API is not supported; use tools.");
  }
  if (body.web_search_options != null) {
    throw new TranslationError("web_search_options", "web_search_options is not supported for this model.");
  }
}

function maxTokensOf(body: Json, ctx: TranslateContext): number {
  const requested = asNumber(body.max_completion_tokens) ?? asNumber(body.max_tokens);
  // Over the model's limit the upstream would 400; the limit is the most the client can get.
  if (requested === undefined) return ctx.maxOutput;
  return Math.min(Math.floor(requested), ctx.maxOutput);
}

// ---------------------------------------------------------------------------------------
// messages

function convertMessages(input: unknown[], system: Json[]): AnthropicMessage[] {
  const out: AnthropicMessage[] = [];
  input.forEach((raw, i) => {
    const msg = asRecord(raw);
    const at = `messages[${i}]`;
    if (!msg) throw new TranslationError(at, `${at} must be an object.`);
    switch (msg.role) {
      case "system":
      case "developer":
        system.push(...cacheLast(systemBlocks(msg, at), msg));
        return;
      case "user":
        out.push({ role: "user", content: cacheLast(userBlocks(msg.content, at), msg) });
        return;
      case "assistant":
        out.push({ role: "assistant", content: cacheLast(assistantBlocks(msg, at), msg) });
        return;
      case "tool":
        out.push({ role: "user", content: cacheLast([toolResult(msg, at)], msg) });
        return;
      case "function":
        throw new TranslationError(at, "Role 'function' (deprecated) is not supported; use tool messages.");
      default:
        throw new TranslationError(`${at}.role`, `Unsupported role '${String(msg.role)}'.`);
    }
  });
  return out;
}

function systemBlocks(msg: Json, at: string): Json[] {
  return textParts(msg.content, at).map((p) => withCache({ type: "text", text: p.text }, p.part));
}

/** Text of a string or text-part content; `part` keeps the source for cache_control. */
function textParts(content: unknown, at: string): { text: string; part: Json | undefined }[] {
  if (typeof content === "string") return content ? [{ text: content, part: undefined }] : [];
  const out: { text: string; part: Json | undefined }[] = [];
  asArray(content).forEach((raw, j) => {
    const part = asRecord(raw);
    const text = part && (part.type === "text" || part.type === "refusal") ? asString(part.text ?? part.refusal) : undefined;
    if (text === undefined) throw new TranslationError(`${at}.content[${j}]`, "Only text parts are allowed here.");
    if (text) out.push({ text, part });
  });
  return out;
}

/** Carries LiteLLM-style cache_control set on a content part. */
function withCache(block: Json, part: Json | undefined): Json {
  if (part?.cache_control != null) block.cache_control = part.cache_control;
  return block;
}

/**
 * LiteLLM-style cache_control on a whole message marks its last block: one breakpoint, as
 * Anthropic allows only four per request.
 */
function cacheLast(blocks: Json[], msg: Json): Json[] {
  const last = blocks.at(-1);
  if (msg.cache_control != null && last && last.cache_control == null) last.cache_control = msg.cache_control;
  return blocks;
}

function userBlocks(content: unknown, at: string): Json[] {
  if (typeof content === "string") return content ? [{ type: "text", text: content }] : [];
  if (content == null) return [];
  const out: Json[] = [];
  asArray(content).forEach((raw, j) => {
    const block = userBlock(asRecord(raw), `${at}.content[${j}]`);
    if (block) out.push(block);
  });
  return out;
}

function userBlock(part: Json | undefined, at: string): Json | undefined {
  switch (part?.type) {
    case "text": {
      const text = asString(part.text);
      if (text === undefined) throw new TranslationError(at, "Text part without text.");
      // Anthropic rejects empty text blocks; an empty part carries nothing anyway.
      return text ? withCache({ type: "text", text }, part) : undefined;
    }
    case "image_url": {
      const image = asRecord(part.image_url);
      const url = asString(image?.url) ?? asString(part.image_url);
      if (!url) throw new TranslationError(at, "image_url part without url.");
      return withCache(imageBlock(url, at), part);
    }
    case "file":
      return withCache(fileBlock(asRecord(part.file) ?? {}, at), part);
    case "input_audio":
      throw new TranslationError(at, "Audio input is not supported for this model.");
    default:
      throw new TranslationError(at, `Unsupported content part type '${String(part?.type)}'.`);
  }
}

function imageBlock(url: string, at: string): Json {
  if (/^https?:\/\//i.test(url)) return { type: "image", source: { type: "url", url } };
  const parsed = parseDataUrl(url);
  if (!parsed) throw new TranslationError(at, "Images must be http(s) URLs or base64 data URLs.");
  if (!ANTHROPIC_IMAGE_TYPES.has(parsed.mediaType)) {
    throw new TranslationError(at, `Image type '${parsed.mediaType}' is not supported (jpeg, png, gif, webp).`);
  }
  return { type: "image", source: { type: "base64", media_type: parsed.mediaType, data: parsed.data } };
}

function fileBlock(file: Json, at: string): Json {
  const data = asString(file.file_data);
  if (!data) throw new TranslationError(at, "Files must be sent inline as file_data; file ids are not supported.");
  const parsed = parseDataUrl(data);
  if (!parsed) throw new TranslationError(at, "file_data must be a base64 data URL.");
  if (parsed.mediaType.startsWith("image/")) return imageBlock(data, at);
  const title = asString(file.filename);
  let block: Json;
  if (parsed.mediaType === "application/pdf") {
    block = { type: "document", source: { type: "base64", media_type: "application/pdf", data: parsed.data } };
  } else if (parsed.mediaType === "text/plain") {
    block = { type: "document", source: { type: "text", media_type: "text/plain", data: decodeBase64Text(parsed.data, at) } };
  } else {
    throw new TranslationError(at, `File type '${parsed.mediaType}' is not supported (PDF, plain text, images).`);
  }
  if (title) block.title = title;
  return block;
}

function decodeBase64Text(b64: string, at: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  } catch {
    throw new TranslationError(at, "file_data is not valid base64 UTF-8 text.");
  }
}

function assistantBlocks(msg: Json, at: string): Json[] {
  const out: Json[] = [];
  // Thinking goes first: Anthropic validates that a tool-use turn starts with its thinking.
  for (const raw of asArray(msg.thinking_blocks)) {
    const entry = asRecord(raw);
    const block = entry && thinkingBlockFrom(entry);
    if (block) out.push(block);
  }
  if (msg.content != null) {
    for (const { text, part } of textParts(msg.content, at)) out.push(withCache({ type: "text", text }, part));
  }
  const refusal = asString(msg.refusal);
  if (refusal && msg.content == null) out.push({ type: "text", text: refusal });
  asArray(msg.tool_calls).forEach((raw, j) => out.push(toolUse(asRecord(raw), `${at}.tool_calls[${j}]`)));
  return out;
}

function toolUse(call: Json | undefined, at: string): Json {
  if (call?.type !== undefined && call.type !== "function") {
    throw new TranslationError(at, `Tool call type '${String(call.type)}' is not supported.`);
  }
  const id = asString(call?.id);
  const fn = asRecord(call?.function);
  const name = asString(fn?.name);
  if (!id || !name) throw new TranslationError(at, "Tool calls need an id and function.name.");
  return { type: "tool_use", id: anthropicToolId(id), name, input: toolInput(fn?.arguments) };
}

function toolResult(msg: Json, at: string): Json {
  const id = asString(msg.tool_call_id);
  if (!id) throw new TranslationError(`${at}.tool_call_id`, "Tool messages need a tool_call_id.");
  const text = textParts(msg.content, at)
    .map((p) => p.text)
    .join("");
  const block: Json = { type: "tool_result", tool_use_id: anthropicToolId(id) };
  if (text) block.content = text;
  return block;
}

/**
 * Anthropic wants alternating turns, and tool results at the start of a user turn: merges
 * same-role neighbours (tool messages become one user turn with the following user text),
 * moving tool_result blocks before other content, and drops turns left empty.
 */
function mergeTurns(messages: AnthropicMessage[]): AnthropicMessage[] {
  const out: AnthropicMessage[] = [];
  for (const m of messages) {
    if (m.content.length === 0) continue;
    const last = out.at(-1);
    if (last && last.role === m.role) last.content.push(...m.content);
    else out.push({ role: m.role, content: [...m.content] });
  }
  for (const m of out) {
    if (m.role !== "user") continue;
    const results = m.content.filter((b) => b.type === "tool_result");
    if (results.length > 0) m.content = [...results, ...m.content.filter((b) => b.type !== "tool_result")];
  }
  return out;
}

/** Anthropic rejects a final assistant (prefill) turn ending in whitespace. */
function trimPrefill(messages: AnthropicMessage[]): void {
  const last = messages.at(-1);
  if (last?.role !== "assistant") return;
  const block = last.content.at(-1);
  if (block?.type !== "text" || typeof block.text !== "string") return;
  block.text = block.text.trimEnd();
  if (block.text === "") last.content.pop();
  if (last.content.length === 0) messages.pop();
}

function stopSequences(stop: unknown): string[] {
  const list = typeof stop === "string" ? [stop] : asArray(stop).filter((s): s is string => typeof s === "string");
  // Anthropic rejects whitespace-only stop sequences.
  return list.filter((s) => s.trim() !== "");
}

// ---------------------------------------------------------------------------------------
// tools

function convertTools(raw: unknown): Json[] | undefined {
  if (raw == null) return undefined;
  return asArray(raw).map((t, i) => {
    const tool = asRecord(t);
    const at = `tools[${i}]`;
    if (tool?.type !== "function") {
      throw new TranslationError(at, `Tool type '${String(tool?.type)}' is not supported; use function tools.`);
    }
    const fn = asRecord(tool.function);
    const name = asString(fn?.name);
    if (!fn || !name) throw new TranslationError(at, "Function tools need function.name.");
    const schema = { ...(asRecord(fn.parameters) ?? { properties: {} }) };
    // Anthropic insists on an object schema; OpenAI lets parameters omit the type.
    schema.type ??= "object";
    const out: Json = { name };
    copyIfSet(out, fn, "description");
    out.input_schema = schema;
    if (fn.strict === true) out.strict = true;
    copyIfSet(out, tool, "cache_control");
    return out;
  });
}

interface ToolChoice {
  choice: Json | undefined;
  /** Set by tool_choice allowed_tools: the only tool names the model may see. */
  allowed?: ReadonlySet<string>;
}

function convertToolChoice(body: Json): ToolChoice {
  const raw = body.tool_choice;
  let result: ToolChoice = { choice: undefined };
  if (raw === "auto") result.choice = { type: "auto" };
  else if (raw === "none") result.choice = { type: "none" };
  else if (raw === "required") result.choice = { type: "any" };
  else if (raw != null) {
    const named = asRecord(raw);
    const name = asString(asRecord(named?.function)?.name);
    if (named?.type === "allowed_tools") result = allowedTools(asRecord(named.allowed_tools));
    else if (name) result.choice = { type: "tool", name };
    else throw new TranslationError("tool_choice", "Unsupported tool_choice.");
  }
  if (body.parallel_tool_calls === false && result.choice?.type !== "none") {
    result.choice = { ...(result.choice ?? { type: "auto" }), disable_parallel_tool_use: true };
  }
  return result;
}

/** allowed_tools has no Anthropic form; narrowing the tool list says the same thing. */
function allowedTools(spec: Json | undefined): ToolChoice {
  const names = asArray(spec?.tools)
    .map((t) => asString(asRecord(asRecord(t)?.function)?.name))
    .filter((n): n is string => n !== undefined);
  return { choice: { type: spec?.mode === "required" ? "any" : "auto" }, allowed: new Set(names) };
}

// ---------------------------------------------------------------------------------------
// reasoning

/**
 * reasoning_effort -> thinking budget, or undefined when thinking cannot be honoured.
 * Dropping beats failing: the request still gets an answer, only without extended thinking.
 */
function thinkingFor(
  body: Json,
  maxTokens: number,
  toolChoice: Json | undefined,
  messages: AnthropicMessage[],
): Json | undefined {
  const effort = body.reasoning_effort;
  if (effort == null || effort === "none") return undefined;
  const nominal = typeof effort === "string" ? EFFORT_BUDGETS[effort] : undefined;
  if (nominal === undefined) {
    throw new TranslationError("reasoning_effort", `Unsupported reasoning_effort '${String(effort)}'.`);
  }
  // Anthropic refuses forced tool use with thinking; the client's explicit tool_choice wins.
  if (toolChoice?.type === "any" || toolChoice?.type === "tool") return undefined;
  const budget = Math.min(nominal, maxTokens - MIN_ANSWER_TOKENS);
  if (budget < MIN_THINKING_BUDGET) return undefined;
  if (toolLoopLacksThinking(messages)) return undefined;
  return { type: "enabled", budget_tokens: budget };
}

/**
 * With thinking on, every assistant tool-use turn of the current tool loop (since the last
 * user turn without tool results) must start with its signed thinking block;
 * earlier turns are not checked by Anthropic. Clients that drop thinking_blocks cannot
 * satisfy that, so such requests run without thinking.
 */
function toolLoopLacksThinking(messages: AnthropicMessage[]): boolean {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role === "user") {
      if (!m.content.some((b) => b.type === "tool_result")) return false;
      continue;
    }
    const usesTools = m.content.some((b) => b.type === "tool_use");
    const first = m.content[0]?.type;
    if (usesTools && first !== "thinking" && first !== "redacted_thinking") return true;
  }
  return false;
}
