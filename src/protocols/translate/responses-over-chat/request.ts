// OpenAI Responses request -> OpenAI Chat Completions request, for models outside OpenAI
// (the chat body then travels on, e.g. through chat-over-messages to Anthropic). Builds a
// fresh body: fields not handled here are dropped on purpose, docs/responses.md lists them.
import { asArray, asNumber, asRecord, asString, copyIfSet, isRecord, type Json } from "../json.ts";
import { TranslationError, type TranslateContext } from "../types.ts";
import { decodeThinking } from "./shared.ts";

/** Tool types OpenAI runs on its own servers; no other provider can execute them. */
const BUILT_IN_TOOLS: ReadonlySet<string> = new Set([
  "web_search",
  "web_search_2025_08_26",
  "web_search_preview",
  "web_search_preview_2025_03_11",
  "file_search",
  "code_interpreter",
  "computer",
  "computer_use",
  "computer_use_preview",
  "image_generation",
  "mcp",
  "local_shell",
  "shell",
  "apply_patch",
  "tool_search",
  "programmatic_tool_calling",
]);

const STATELESS =
  "This gateway is stateless for non-OpenAI models: it stores no responses or conversations, so send the whole conversation in `input`.";

export function responsesToChatRequest(body: Json, ctx: TranslateContext): Json {
  rejectStateful(body);
  const builder = new MessageBuilder();
  const instructions = asString(body.instructions);
  if (instructions) builder.push({ role: "system", content: instructions });

  if (typeof body.input === "string") builder.push({ role: "user", content: body.input });
  else if (Array.isArray(body.input)) body.input.forEach((raw, i) => builder.item(asRecord(raw), `input[${i}]`));
  else if (body.input !== undefined && body.input !== null) {
    throw new TranslationError("input", "input must be a string or an array of input items.");
  }
  const messages = builder.finish();
  if (!messages.some((m) => m.role !== "system")) {
    throw new TranslationError("input", "input is required and must hold at least one message.");
  }

  const out: Json = { model: ctx.upstreamModel, messages };
  const maxOutput = asNumber(body.max_output_tokens);
  if (maxOutput !== undefined) out.max_completion_tokens = Math.min(maxOutput, ctx.maxOutput);

  const tools = convertTools(body.tools);
  if (tools.length > 0) {
    const choice = toolChoice(body.tool_choice, tools);
    out.tools = choice.tools;
    if (choice.choice !== undefined) out.tool_choice = choice.choice;
    // Chat refuses parallel_tool_calls without tools, so it only travels with them.
    if (typeof body.parallel_tool_calls === "boolean") out.parallel_tool_calls = body.parallel_tool_calls;
  } else if (body.tool_choice === "required" || isRecord(body.tool_choice)) {
    // Names the specific problem (a built-in tool, an unknown name) before the generic one.
    toolChoice(body.tool_choice, []);
    throw new TranslationError("tool_choice", "tool_choice requires a tool call, but no tools were given.");
  }

  const effort = asString(asRecord(body.reasoning)?.effort);
  if (effort) out.reasoning_effort = effort;

  const format = responseFormat(asRecord(asRecord(body.text)?.format));
  if (format) out.response_format = format;

  copyIfSet(out, body, "temperature");
  copyIfSet(out, body, "top_p");
  if (isRecord(body.metadata) && Object.keys(body.metadata).length > 0) out.metadata = body.metadata;
  copyIfSet(out, body, "user");
  copyIfSet(out, body, "safety_identifier");

  if (body.stream === true) {
    out.stream = true;
    // Chat upstreams report usage on streams only when asked; response.completed needs it.
    out.stream_options = { include_usage: true };
  }
  return out;
}

function rejectStateful(body: Json): void {
  if (body.previous_response_id != null) {
    throw new TranslationError("previous_response_id", `previous_response_id is not supported. ${STATELESS}`);
  }
  if (body.conversation != null) throw new TranslationError("conversation", `conversation is not supported. ${STATELESS}`);
  if (body.background === true) {
    throw new TranslationError("background", `background mode is not supported. ${STATELESS} Use stream: true for long answers.`);
  }
  if (body.prompt != null) {
    throw new TranslationError("prompt", "Stored prompt templates are only available on OpenAI models; send instructions and input instead.");
  }
}

/** An assistant chat message under construction: Responses splits one turn into several items. */
interface AssistantTurn {
  text: string | null;
  refusal: string | null;
  toolCalls: Json[];
  thinking: Json[];
}

/**
 * Folds Responses input items into chat messages. A turn arrives as reasoning item(s), an
 * optional message and function_call items; chat wants one assistant message holding the
 * text and every tool call (OpenAI and Anthropic both require the tool results to follow
 * that one message), so items are gathered until something else arrives.
 */
class MessageBuilder {
  private readonly messages: Json[] = [];
  private assistant: AssistantTurn | null = null;
  /** Thinking from reasoning items that precede the assistant output they belong to. */
  private thinking: Json[] = [];
  /** Images from function_call_output items: tool messages cannot hold them, and a user
   * message may only follow the whole run of tool messages. */
  private toolImages: Json[] = [];

  push(message: Json): void {
    this.flush();
    this.messages.push(message);
  }

  item(item: Json | undefined, at: string): void {
    const type = item?.type ?? (item?.role !== undefined ? "message" : undefined);
    if (!item || typeof type !== "string") throw new TranslationError(at, "Input items must be objects with a type.");
    switch (type) {
      case "message":
        return this.message(item, at);
      case "function_call":
        return this.functionCall(item, at);
      case "function_call_output":
        return this.functionOutput(item, at);
      case "reasoning":
        return this.reasoning(item);
      case "item_reference":
        throw new TranslationError(at, `item_reference points at stored items. ${STATELESS}`);
      case "custom_tool_call":
      case "custom_tool_call_output":
        throw new TranslationError(at, "Custom tools are only available on OpenAI models; use function tools.");
      default:
        throw new TranslationError(at, `Input item type '${type}' belongs to a built-in tool, which is only available on OpenAI models.`);
    }
  }

  finish(): Json[] {
    this.flush();
    return this.messages;
  }

  private message(item: Json, at: string): void {
    const role = item.role;
    if (role === "assistant") return this.assistantMessage(item, at);
    if (role === "system" || role === "developer") {
      return this.push({ role, content: instructionText(item.content, `${at}.content`) });
    }
    if (role !== "user") throw new TranslationError(`${at}.role`, `Unsupported role '${String(role)}'.`);
    if (typeof item.content === "string") return this.push({ role: "user", content: item.content });
    const parts = asArray(item.content).map((p, j) => userPart(asRecord(p), `${at}.content[${j}]`));
    this.push({ role: "user", content: compactParts(parts) });
  }

  private assistantMessage(item: Json, at: string): void {
    let text = "";
    let refusal = "";
    if (typeof item.content === "string") text = item.content;
    else {
      asArray(item.content).forEach((raw, j) => {
        const part = asRecord(raw);
        if (part?.type === "output_text" || part?.type === "input_text") text += asString(part.text) ?? "";
        else if (part?.type === "refusal") refusal += asString(part.refusal) ?? "";
        else throw new TranslationError(`${at}.content[${j}]`, `Assistant content of type '${String(part?.type)}' is not supported.`);
      });
    }
    // Text after the turn's tool calls (rare) still belongs to that turn; a second text is a new turn.
    const turn = this.assistant?.text === null && this.assistant.refusal === null ? this.assistant : this.openTurn();
    turn.text = text;
    if (refusal) turn.refusal = refusal;
  }

  private functionCall(item: Json, at: string): void {
    const callId = asString(item.call_id);
    const name = asString(item.name);
    if (!callId || !name) throw new TranslationError(at, "function_call items need call_id and name.");
    const args = asString(item.arguments) ?? "{}";
    (this.assistant ?? this.openTurn()).toolCalls.push({ id: callId, type: "function", function: { name, arguments: args } });
  }

  private functionOutput(item: Json, at: string): void {
    const callId = asString(item.call_id);
    if (!callId) throw new TranslationError(at, "function_call_output items need call_id.");
    this.flushAssistant();
    let content: string;
    if (typeof item.output === "string") content = item.output;
    else {
      const texts: string[] = [];
      asArray(item.output).forEach((raw, j) => {
        const part = userPart(asRecord(raw), `${at}.output[${j}]`);
        if (part.type === "text") texts.push(asString(part.text) ?? "");
        else this.toolImages.push(part);
      });
      content = texts.join("\n");
    }
    this.messages.push({ role: "tool", tool_call_id: callId, content });
  }

  /**
   * Only thinking this gateway encoded into encrypted_content is carried: summaries and
   * reasoning text are the model's notes to itself, which chat upstreams do not take back
   * (several refuse them), while signed thinking is required back by Anthropic in tool loops.
   */
  private reasoning(item: Json): void {
    const blocks = decodeThinking(item.encrypted_content);
    if (blocks.length === 0) return;
    if (this.assistant) this.assistant.thinking.push(...blocks);
    else this.thinking.push(...blocks);
  }

  private openTurn(): AssistantTurn {
    this.flush();
    this.assistant = { text: null, refusal: null, toolCalls: [], thinking: this.thinking };
    this.thinking = [];
    return this.assistant;
  }

  private flush(): void {
    this.flushAssistant();
    if (this.toolImages.length > 0) {
      this.messages.push({ role: "user", content: this.toolImages });
      this.toolImages = [];
    }
  }

  private flushAssistant(): void {
    const turn = this.assistant;
    if (!turn) return;
    this.assistant = null;
    // OpenAI allows null content only beside tool calls.
    const msg: Json = { role: "assistant", content: turn.text || (turn.toolCalls.length > 0 || turn.refusal ? null : "") };
    if (turn.refusal) msg.refusal = turn.refusal;
    if (turn.thinking.length > 0) {
      // thinking_blocks carry the signatures an Anthropic hop needs; reasoning_content is the
      // same text for DeepSeek-style upstreams that want it back in tool loops.
      msg.reasoning_content = turn.thinking.map((b) => asString(b.thinking) ?? "").join("");
      msg.thinking_blocks = turn.thinking;
    }
    if (turn.toolCalls.length > 0) msg.tool_calls = turn.toolCalls;
    this.messages.push(msg);
  }
}

/** system/developer content: chat takes text only there. */
function instructionText(content: unknown, at: string): string {
  if (typeof content === "string") return content;
  return asArray(content)
    .map((raw, j) => {
      const part = asRecord(raw);
      const text = asString(part?.text);
      if (part?.type !== "input_text" || text === undefined) {
        throw new TranslationError(`${at}[${j}]`, "system and developer messages may only hold input_text.");
      }
      return text;
    })
    .join("\n\n");
}

/** A lone text part as a plain string: the form every OpenAI-compatible server understands. */
function compactParts(parts: Json[]): string | Json[] {
  const only = parts.length === 1 ? parts[0] : undefined;
  return only?.type === "text" && typeof only.text === "string" ? only.text : parts;
}

const FILE_ID =
  "file_id refers to OpenAI file storage, which is only available on OpenAI models; send the content inline (a data URL) instead.";

function userPart(part: Json | undefined, at: string): Json {
  switch (part?.type) {
    case "input_text":
    case "output_text":
      return { type: "text", text: asString(part.text) ?? "" };
    case "input_image": {
      const url = asString(part.image_url);
      if (!url) throw new TranslationError(at, part.file_id ? FILE_ID : "input_image needs image_url.");
      const image: Json = { url };
      // "original" is Responses-only; chat knows auto/low/high.
      if (part.detail === "low" || part.detail === "high" || part.detail === "auto") image.detail = part.detail;
      return { type: "image_url", image_url: image };
    }
    case "input_file": {
      const data = asString(part.file_data);
      if (!data) {
        if (part.file_id) throw new TranslationError(at, FILE_ID);
        if (part.file_url) throw new TranslationError(at, "file_url is only available on OpenAI models; send file_data instead.");
        throw new TranslationError(at, "input_file needs file_data.");
      }
      const file: Json = { file_data: data };
      copyIfSet(file, part, "filename");
      return { type: "file", file };
    }
    case "input_audio": {
      const audio = asRecord(part.input_audio);
      if (!audio) throw new TranslationError(at, "input_audio needs input_audio.data and format.");
      return { type: "input_audio", input_audio: audio };
    }
    default:
      throw new TranslationError(at, `Content part type '${String(part?.type)}' is not supported.`);
  }
}

function convertTools(raw: unknown): Json[] {
  return asArray(raw).map((t, i) => {
    const tool = asRecord(t);
    const type = asString(tool?.type);
    if (!tool || type === undefined) throw new TranslationError("tools", `tools[${i}] needs a type.`);
    if (type === "custom") throw new TranslationError("tools", "Custom tools are only available on OpenAI models; use function tools.");
    if (type !== "function") {
      const what = BUILT_IN_TOOLS.has(type) ? `built-in tool ${type}` : `tool type '${type}'`;
      throw new TranslationError("tools", `The ${what} is only available on OpenAI models; only function tools work with this model.`);
    }
    const name = asString(tool.name);
    if (!name) throw new TranslationError("tools", `tools[${i}] needs a name.`);
    const fn: Json = { name };
    copyIfSet(fn, tool, "description");
    copyIfSet(fn, tool, "parameters");
    if (typeof tool.strict === "boolean") fn.strict = tool.strict;
    return { type: "function", function: fn };
  });
}

/**
 * Responses tool_choice -> chat tools + tool_choice. allowed_tools becomes a narrowed tool
 * list: chat has the same construct, but few non-OpenAI upstreams honour it, while every one
 * honours the tools it is given.
 */
function toolChoice(raw: unknown, tools: Json[]): { tools: Json[]; choice: unknown } {
  if (raw === undefined || raw === null) return { tools, choice: undefined };
  if (raw === "auto" || raw === "none" || raw === "required") return { tools, choice: raw };
  const choice = asRecord(raw);
  const type = asString(choice?.type);
  if (type === "function") {
    const name = asString(choice?.name);
    if (!name) throw new TranslationError("tool_choice", "tool_choice of type function needs a name.");
    if (!tools.some((t) => toolName(t) === name)) {
      throw new TranslationError("tool_choice", `tool_choice names '${name}', which is not among the function tools.`);
    }
    return { tools, choice: { type: "function", function: { name } } };
  }
  if (type === "allowed_tools") {
    const allowed = new Set<string>();
    asArray(choice?.tools).forEach((t, i) => {
      const entry = asRecord(t);
      const name = asString(entry?.name);
      if (entry?.type !== "function" || !name) {
        throw new TranslationError("tool_choice", `tool_choice.tools[${i}]: only function tools can be allowed for this model.`);
      }
      allowed.add(name);
    });
    const kept = tools.filter((t) => allowed.has(toolName(t)));
    if (kept.length === 0) throw new TranslationError("tool_choice", "tool_choice.tools allows none of the function tools.");
    return { tools: kept, choice: choice?.mode === "required" ? "required" : "auto" };
  }
  if (type !== undefined && BUILT_IN_TOOLS.has(type)) {
    throw new TranslationError("tool_choice", `The built-in tool ${type} is only available on OpenAI models.`);
  }
  throw new TranslationError("tool_choice", `tool_choice of type '${String(type)}' is not supported for this model.`);
}

function toolName(tool: Json): string {
  return asString(asRecord(tool.function)?.name) ?? "";
}

function responseFormat(format: Json | undefined): Json | undefined {
  switch (format?.type) {
    case "json_schema": {
      const schema: Json = { name: asString(format.name) ?? "response", schema: asRecord(format.schema) ?? {} };
      copyIfSet(schema, format, "description");
      if (typeof format.strict === "boolean") schema.strict = format.strict;
      return { type: "json_schema", json_schema: schema };
    }
    case "json_object":
      return { type: "json_object" };
    case undefined:
    case "text":
      return undefined;
    default:
      throw new TranslationError("text.format", `text.format of type '${String(format?.type)}' is not supported.`);
  }
}
