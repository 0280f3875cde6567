// Anthropic Messages request -> Gemini generateContent body. The body carries no model and no
// stream flag: Gemini puts both in the URL (see providers/gemini/adapter.ts).
// The mapping table and what is dropped or rejected: docs/translation-gemini.md.
import { TranslationError, type TranslateContext } from "../types.ts";
import { asArray, asString, isObject, type Json } from "./shared.ts";
import { decodeToolUseId, readThinkingSignature, SKIP_SIGNATURE } from "./signatures.ts";

export function messagesToGeminiRequest(body: Record<string, unknown>, ctx: TranslateContext): Record<string, unknown> {
  const out: Json = {};
  const system = systemInstruction(body.system);
  if (system) out.systemInstruction = system;
  out.contents = contents(body.messages, ctx);

  const declarations = functionDeclarations(body.tools);
  if (declarations.length > 0) {
    out.tools = [{ functionDeclarations: declarations }];
    const toolConfig = functionCallingConfig(body.tool_choice);
    if (toolConfig) out.toolConfig = { functionCallingConfig: toolConfig };
  }

  out.generationConfig = generationConfig(body, ctx);
  return out;
}

// ---------------------------------------------------------------------------------------------
// system
// ---------------------------------------------------------------------------------------------

function systemInstruction(system: unknown): Json | undefined {
  if (system === undefined || system === null) return undefined;
  if (typeof system === "string") return system === "" ? undefined : { parts: [{ text: system }] };
  if (!Array.isArray(system)) throw new TranslationError("system", "system must be a string or an array of text blocks.");
  const parts = system.map((b, i) => {
    if (!isObject(b) || b.type !== "text" || typeof b.text !== "string") {
      throw new TranslationError(`system[${i}]`, "Only text blocks are supported in system.");
    }
    return { text: b.text };
  });
  return parts.length > 0 ? { parts } : undefined;
}

// ---------------------------------------------------------------------------------------------
// messages -> contents
// ---------------------------------------------------------------------------------------------

interface Content {
  role: "user" | "model";
  parts: Json[];
}

interface KnownCall {
  name: string;
  callId: string | undefined;
}

function contents(messages: unknown, ctx: TranslateContext): Content[] {
  if (!Array.isArray(messages)) throw new TranslationError("messages", "messages must be an array.");
  const calls = new Map<string, KnownCall>();
  const out: Content[] = [];
  messages.forEach((m, i) => {
    const param = `messages[${i}]`;
    if (!isObject(m)) throw new TranslationError(param, "Each message must be an object.");
    if (m.role !== "user" && m.role !== "assistant") {
      throw new TranslationError(`${param}.role`, "role must be 'user' or 'assistant'.");
    }
    const blocks = blocksOf(m.content, `${param}.content`);
    const parts =
      m.role === "assistant" ? modelParts(blocks, `${param}.content`, calls) : userParts(blocks, `${param}.content`, calls);
    // Gemini rejects a content without parts; an empty Anthropic turn says nothing anyway.
    if (parts.length === 0) return;
    const role = m.role === "assistant" ? "model" : "user";
    const last = out.at(-1);
    // Anthropic merges consecutive same-role turns; doing it here keeps Gemini's alternation.
    if (last && last.role === role) last.parts.push(...parts);
    else out.push({ role, parts });
  });
  if (requiresSignatures(ctx.upstreamModel)) fillMissingSignatures(out);
  return out;
}

function blocksOf(content: unknown, param: string): Json[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  if (!Array.isArray(content)) throw new TranslationError(param, "content must be a string or an array of blocks.");
  return content.map((b, j) => {
    if (!isObject(b)) throw new TranslationError(`${param}[${j}]`, "Each content block must be an object.");
    return b;
  });
}

function modelParts(blocks: Json[], param: string, calls: Map<string, KnownCall>): Json[] {
  const parts: Json[] = [];
  blocks.forEach((b, j) => {
    const p = `${param}[${j}]`;
    switch (b.type) {
      case "text":
        if (typeof b.text !== "string") throw new TranslationError(`${p}.text`, "text must be a string.");
        if (b.text !== "") parts.push({ text: b.text });
        return;
      case "thinking":
        thinkingPart(b, parts);
        return;
      case "redacted_thinking":
        // Opaque to everyone but the model that wrote it; Gemini cannot use it.
        return;
      case "tool_use":
        parts.push(functionCallPart(b, p, calls));
        return;
      case "image":
      case "document":
        parts.push(...mediaParts(b, p));
        return;
      default:
        throw new TranslationError(`${p}.type`, `Content block type '${String(b.type)}' is not supported in assistant messages for this model.`);
    }
  });
  return parts;
}

/** See signatures.ts: thinking blocks carry Gemini's non-functionCall signatures. */
function thinkingPart(b: Json, parts: Json[]): void {
  const sig = readThinkingSignature(b.signature);
  const text = typeof b.thinking === "string" ? b.thinking : "";
  if (sig.kind === "foreign") return; // another model's reasoning: meaningless, and its signature would be a 400
  if (sig.kind === "thought") {
    if (text === "" && sig.signature === "") return;
    const part: Json = { text, thought: true };
    if (sig.signature !== "") part.thoughtSignature = sig.signature;
    parts.push(part);
    return;
  }
  const prev = parts.at(-1);
  if (prev && typeof prev.text === "string" && prev.thought !== true && prev.thoughtSignature === undefined) {
    prev.thoughtSignature = sig.signature;
  } else {
    parts.push({ text: "", thoughtSignature: sig.signature });
  }
}

function functionCallPart(b: Json, param: string, calls: Map<string, KnownCall>): Json {
  const id = asString(b.id);
  const name = asString(b.name);
  if (id === undefined) throw new TranslationError(`${param}.id`, "tool_use.id must be a string.");
  if (name === undefined) throw new TranslationError(`${param}.name`, "tool_use.name must be a string.");
  const ref = decodeToolUseId(id);
  calls.set(id, { name, callId: ref.callId });
  const call: Json = { name, args: isObject(b.input) ? b.input : {} };
  if (ref.callId !== undefined) call.id = ref.callId;
  const part: Json = { functionCall: call };
  if (ref.signature !== undefined) part.thoughtSignature = ref.signature;
  return part;
}

function userParts(blocks: Json[], param: string, calls: Map<string, KnownCall>): Json[] {
  const parts: Json[] = [];
  blocks.forEach((b, j) => {
    const p = `${param}[${j}]`;
    switch (b.type) {
      case "text":
        if (typeof b.text !== "string") throw new TranslationError(`${p}.text`, "text must be a string.");
        if (b.text !== "") parts.push({ text: b.text });
        return;
      case "image":
      case "document":
        parts.push(...mediaParts(b, p));
        return;
      case "tool_result":
        parts.push(...functionResponseParts(b, p, calls));
        return;
      default:
        throw new TranslationError(`${p}.type`, `Content block type '${String(b.type)}' is not supported in user messages for this model.`);
    }
  });
  return parts;
}

function functionResponseParts(b: Json, param: string, calls: Map<string, KnownCall>): Json[] {
  const toolUseId = asString(b.tool_use_id);
  const call = toolUseId === undefined ? undefined : calls.get(toolUseId);
  // Gemini matches a response to its call by function name, which only the tool_use knows.
  if (!call) {
    throw new TranslationError(`${param}.tool_use_id`, `tool_result.tool_use_id '${String(toolUseId)}' does not match any earlier tool_use block.`);
  }
  const texts: string[] = [];
  const media: Json[] = [];
  if (typeof b.content === "string") texts.push(b.content);
  else if (Array.isArray(b.content)) {
    b.content.forEach((c, k) => {
      const p = `${param}.content[${k}]`;
      if (!isObject(c)) throw new TranslationError(p, "Each tool_result content block must be an object.");
      if (c.type === "text" && typeof c.text === "string") texts.push(c.text);
      else if (c.type === "image" || c.type === "document") media.push(...mediaParts(c, p));
      else throw new TranslationError(`${p}.type`, `tool_result content type '${String(c.type)}' is not supported for this model.`);
    });
  } else if (b.content !== undefined && b.content !== null) {
    throw new TranslationError(`${param}.content`, "tool_result.content must be a string or an array of blocks.");
  }
  const text = texts.join("\n");
  // "output"/"error" are the keys the Gemini API documents for a function's result.
  const fr: Json = { name: call.name, response: b.is_error === true ? { error: text } : { output: text } };
  if (call.callId !== undefined) fr.id = call.callId;
  // Images inside a tool result follow it as ordinary parts: every Gemini model reads those,
  // while multimodal functionResponse.parts exist only on newer ones.
  return [{ functionResponse: fr }, ...media];
}

// ---------------------------------------------------------------------------------------------
// images and documents
// ---------------------------------------------------------------------------------------------

const IMAGE_MIME_BY_EXT: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
};

export function guessImageMime(url: string): string {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // not an absolute URL: use it as a path
  }
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  return (ext && IMAGE_MIME_BY_EXT[ext]) ?? "image/*";
}

function mediaParts(b: Json, param: string): Json[] {
  const source = b.source;
  if (!isObject(source)) throw new TranslationError(`${param}.source`, `${String(b.type)}.source must be an object.`);
  const kind = source.type;
  if (kind === "base64") {
    const mimeType = asString(source.media_type);
    const data = asString(source.data);
    if (!mimeType || data === undefined) {
      throw new TranslationError(`${param}.source`, "base64 sources need media_type and data.");
    }
    return [{ inlineData: { mimeType, data } }];
  }
  if (kind === "url") {
    const url = asString(source.url);
    if (!url) throw new TranslationError(`${param}.source.url`, "url sources need a url.");
    const mimeType = b.type === "image" ? guessImageMime(url) : "application/pdf";
    return [{ fileData: { mimeType, fileUri: url } }];
  }
  if (b.type === "document" && kind === "text") {
    const data = asString(source.data);
    if (data === undefined) throw new TranslationError(`${param}.source.data`, "text sources need data.");
    return data === "" ? [] : [{ text: data }];
  }
  if (b.type === "document" && kind === "content") {
    const inner = typeof source.content === "string" ? [{ type: "text", text: source.content }] : asArray(source.content);
    return inner.flatMap((c, k) => {
      const p = `${param}.source.content[${k}]`;
      if (isObject(c) && c.type === "text" && typeof c.text === "string") return c.text === "" ? [] : [{ text: c.text }];
      if (isObject(c) && c.type === "image") return mediaParts(c, p);
      throw new TranslationError(p, "Document content may hold only text and image blocks.");
    });
  }
  // file_id refers to the Anthropic Files API: there is nothing Gemini could fetch.
  throw new TranslationError(`${param}.source.type`, `${String(b.type)} source type '${String(kind)}' is not supported for this model.`);
}

// ---------------------------------------------------------------------------------------------
// thought signatures of the current turn
// ---------------------------------------------------------------------------------------------

/** Gemini 3 and later reject unsigned function calls; 1.x and 2.x never validated them. */
export function requiresSignatures(model: string): boolean {
  return !/gemini-(?:1|2)(?:\.|-)/i.test(model);
}

/**
 * Gemini 3 needs a signature on the first functionCall of every model step of the current turn
 * (the turn opened by the last user message that is not only function responses). Calls that
 * came from another model, or whose tool ids a client rewrote, have none: they get Gemini's
 * documented skip value rather than making the whole conversation fail with a 400.
 */
function fillMissingSignatures(out: Content[]): void {
  let start = 0;
  out.forEach((c, i) => {
    if (c.role === "user" && c.parts.every((p) => p.functionResponse === undefined)) start = i + 1;
  });
  for (const c of out.slice(start)) {
    if (c.role !== "model") continue;
    const callParts = c.parts.filter((p) => p.functionCall !== undefined);
    const first = callParts[0];
    if (first && callParts.every((p) => p.thoughtSignature === undefined)) first.thoughtSignature = SKIP_SIGNATURE;
  }
}

// ---------------------------------------------------------------------------------------------
// tools
// ---------------------------------------------------------------------------------------------

function functionDeclarations(tools: unknown): Json[] {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) throw new TranslationError("tools", "tools must be an array.");
  return tools.map((t, i) => {
    if (!isObject(t)) throw new TranslationError(`tools[${i}]`, "Each tool must be an object.");
    // Server tools (web search, code execution, ...) run on Anthropic's side; Gemini's own
    // equivalents behave differently and cannot be mixed freely with function calling.
    if (t.type !== undefined && t.type !== null && t.type !== "custom") {
      throw new TranslationError(`tools[${i}].type`, `Tool type '${String(t.type)}' is not supported for this model; only custom tools are.`);
    }
    const name = asString(t.name);
    if (!name) throw new TranslationError(`tools[${i}].name`, "Each tool needs a name.");
    const decl: Json = { name };
    if (typeof t.description === "string" && t.description !== "") decl.description = t.description;
    if (isObject(t.input_schema)) decl.parametersJsonSchema = t.input_schema;
    return decl;
  });
}

function functionCallingConfig(choice: unknown): Json | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (!isObject(choice)) throw new TranslationError("tool_choice", "tool_choice must be an object.");
  // disable_parallel_tool_use has no Gemini counterpart and is dropped.
  switch (choice.type) {
    case "auto":
      return { mode: "AUTO" };
    case "any":
      return { mode: "ANY" };
    case "none":
      return { mode: "NONE" };
    case "tool": {
      const name = asString(choice.name);
      if (!name) throw new TranslationError("tool_choice.name", "tool_choice of type 'tool' needs a name.");
      return { mode: "ANY", allowedFunctionNames: [name] };
    }
    default:
      throw new TranslationError("tool_choice.type", `tool_choice type '${String(choice.type)}' is not supported.`);
  }
}

// ---------------------------------------------------------------------------------------------
// generationConfig
// ---------------------------------------------------------------------------------------------

/** Gemini's limit on stop sequences; more is a 400 upstream, better said in the client's terms. */
const MAX_STOP_SEQUENCES = 5;

function generationConfig(body: Json, ctx: TranslateContext): Json {
  const config: Json = {};
  if (body.max_tokens !== undefined) {
    if (typeof body.max_tokens !== "number" || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) {
      throw new TranslationError("max_tokens", "max_tokens must be a positive integer for this model.");
    }
    config.maxOutputTokens = body.max_tokens;
  } else {
    config.maxOutputTokens = ctx.maxOutput;
  }
  if (typeof body.temperature === "number") config.temperature = body.temperature;
  if (typeof body.top_p === "number") config.topP = body.top_p;
  if (typeof body.top_k === "number") config.topK = body.top_k;
  if (body.stop_sequences !== undefined && body.stop_sequences !== null) {
    const stops = asArray(body.stop_sequences);
    if (!Array.isArray(body.stop_sequences) || stops.some((s) => typeof s !== "string")) {
      throw new TranslationError("stop_sequences", "stop_sequences must be an array of strings.");
    }
    if (stops.length > MAX_STOP_SEQUENCES) {
      throw new TranslationError("stop_sequences", `This model accepts at most ${MAX_STOP_SEQUENCES} stop sequences.`);
    }
    if (stops.length > 0) config.stopSequences = stops;
  }
  const outputConfig = isObject(body.output_config) ? body.output_config : {};
  const format = outputConfig.format;
  if (isObject(format)) {
    if (format.type !== "json_schema" || !isObject(format.schema)) {
      throw new TranslationError("output_config.format", "Only output_config.format of type 'json_schema' with a schema is supported.");
    }
    config.responseMimeType = "application/json";
    config.responseJsonSchema = format.schema;
  }
  const thinking = thinkingConfig(body.thinking, asString(outputConfig.effort), ctx);
  if (thinking) config.thinkingConfig = thinking;
  return config;
}

/** Budgets for output_config.effort with adaptive thinking (E.3 constants, then doubling). */
const EFFORT_BUDGET: Record<string, number> = { low: 1024, medium: 2048, high: 4096, xhigh: 8192, max: 16384 };

function thinkingConfig(thinking: unknown, effort: string | undefined, ctx: TranslateContext): Json | undefined {
  if (thinking === undefined || thinking === null) return undefined; // the model's own default
  if (!isObject(thinking)) throw new TranslationError("thinking", "thinking must be an object.");
  const includeThoughts = thinking.display !== "omitted";
  switch (thinking.type) {
    case "enabled": {
      const budget = thinking.budget_tokens;
      if (typeof budget !== "number" || !Number.isFinite(budget) || budget < 0) {
        throw new TranslationError("thinking.budget_tokens", "thinking.budget_tokens must be a non-negative number.");
      }
      // A model that cannot think would answer a thinkingConfig with a 400; Anthropic clients
      // (Claude Code among them) send thinking whatever the model, so it is dropped instead.
      return ctx.flags.reasoning ? { thinkingBudget: Math.floor(budget), includeThoughts } : undefined;
    }
    case "adaptive":
    case "between_tools": {
      if (!ctx.flags.reasoning) return undefined;
      const budget = effort !== undefined ? EFFORT_BUDGET[effort] : undefined;
      return { thinkingBudget: budget ?? -1, includeThoughts };
    }
    case "disabled":
      return ctx.flags.reasoning && canDisableThinking(ctx.upstreamModel) ? { thinkingBudget: 0 } : undefined;
    default:
      throw new TranslationError("thinking.type", `thinking type '${String(thinking.type)}' is not supported.`);
  }
}

/** Only the 2.5 Flash family accepts a zero budget; Pro and Gemini 3 always think a little. */
export function canDisableThinking(model: string): boolean {
  return /gemini-2\.5-flash/i.test(model);
}
