// Test support for the translator tests: strict client-side accumulators that both rebuild
// the final object a client would see and assert the protocol invariants clients rely on
// (the official SDKs are exercised separately in sdk.test.ts).
import { asArray, asNumber, asRecord, asString, type Json } from "./json.ts";
import type { TranslateContext, WireEvent } from "./types.ts";

export function testCtx(overrides: Partial<TranslateContext> = {}): TranslateContext {
  return {
    publicModel: "public-model",
    upstreamModel: "upstream-model",
    maxOutput: 8192,
    flags: { reasoning: true, vision: true },
    ...overrides,
  };
}

function fail(message: string): never {
  throw new Error(`protocol violation: ${message}`);
}

/** An OpenAI chat.completion rebuilt from chunks, as a LiteLLM-style client would. */
export interface ChatStreamResult {
  message: Json;
  finishReason: string | null;
  usage: Json | null;
  error: Json | null;
  done: boolean;
}

/**
 * Accumulates OpenAI chunk events. Strings concatenate (content, reasoning_content, tool
 * arguments); other unknown delta fields overwrite, like the openai SDK does.
 */
export function accumulateChat(events: WireEvent[], model = "public-model"): ChatStreamResult {
  const message: Json = {};
  const calls: Json[] = [];
  const result: ChatStreamResult = { message, finishReason: null, usage: null, error: null, done: false };
  let id: unknown;
  for (const ev of events) {
    if (ev.event !== "") fail(`OpenAI events have no event name, got '${ev.event}'`);
    if (result.done || result.error) fail("event after [DONE] or error");
    if (ev.data === "[DONE]") {
      result.done = true;
      continue;
    }
    const chunk = asRecord(ev.data) ?? fail("chunk is not an object");
    if (chunk.error) {
      result.error = asRecord(chunk.error) ?? null;
      continue;
    }
    if (chunk.object !== "chat.completion.chunk") fail("object must be chat.completion.chunk");
    if (chunk.model !== model) fail(`model ${String(chunk.model)} != ${model}`);
    id ??= chunk.id;
    if (chunk.id !== id) fail("chunk ids differ");
    const choices = asArray(chunk.choices);
    if (choices.length === 0) {
      if (!result.finishReason) fail("usage chunk before finish_reason");
      result.usage = asRecord(chunk.usage) ?? fail("choices:[] chunk without usage");
      continue;
    }
    if (result.usage) fail("choice chunk after usage chunk");
    const choice = asRecord(choices[0]) ?? fail("choice not an object");
    const delta = asRecord(choice.delta) ?? fail("choice without delta");
    if (message.role === undefined && delta.role !== "assistant") fail("first delta must carry role");
    if (result.finishReason) fail("chunk after finish_reason");
    for (const [key, value] of Object.entries(delta)) {
      if (key === "tool_calls") continue;
      if (typeof value === "string" && key !== "role") message[key] = (asString(message[key]) ?? "") + value;
      else message[key] = value;
    }
    for (const raw of asArray(delta.tool_calls)) {
      const tc = asRecord(raw) ?? fail("tool call delta not an object");
      const index = asNumber(tc.index) ?? fail("tool call delta without index");
      const fn = asRecord(tc.function) ?? {};
      if (!calls[index]) {
        if (index !== calls.length) fail(`tool call index ${index} skips ahead`);
        if (!tc.id || tc.type !== "function" || !fn.name) fail("first tool call delta needs id, type, name");
        calls[index] = { id: tc.id, type: "function", function: { name: fn.name, arguments: "" } };
      } else if (tc.id !== undefined || fn.name !== undefined) fail("id/name repeated on a tool call continuation");
      const target = asRecord(calls[index]!.function)!;
      target.arguments = String(target.arguments) + (asString(fn.arguments) ?? "");
    }
    if (choice.finish_reason != null) {
      if (Object.keys(delta).length > 0 && delta.role === undefined) fail("content and finish_reason in one chunk");
      result.finishReason = String(choice.finish_reason);
    }
  }
  if (calls.length > 0) message.tool_calls = calls;
  return result;
}

/** An Anthropic message rebuilt from events, checking the order the SDK depends on. */
export interface MessagesStreamResult {
  message: Json | null;
  error: Json | null;
  stopped: boolean;
  types: string[];
}

export function accumulateMessages(events: WireEvent[]): MessagesStreamResult {
  const result: MessagesStreamResult = { message: null, error: null, stopped: false, types: [] };
  const content: Json[] = [];
  const json: string[] = [];
  let open = -1;
  let sawDelta = false;
  for (const ev of events) {
    const data = asRecord(ev.data) ?? fail("event data is not an object");
    const type = asString(data.type) ?? fail("event without type");
    if (ev.event !== type) fail(`event name '${ev.event}' != data.type '${type}'`);
    if (result.stopped || result.error) fail(`'${type}' after message_stop or error`);
    if (type !== "ping") result.types.push(type);
    if (type === "error") {
      result.error = asRecord(data.error) ?? fail("error event without error");
      continue;
    }
    if (type === "ping") continue;
    if (type === "message_start") {
      if (result.message) fail("second message_start");
      const message = asRecord(data.message) ?? fail("message_start without message");
      result.message = { ...message, content, usage: { ...asRecord(message.usage) } };
      continue;
    }
    const message = result.message ?? fail(`'${type}' before message_start`);
    const index = asNumber(data.index);
    switch (type) {
      case "content_block_start": {
        if (open >= 0) fail("block started while another is open");
        if (index !== content.length) fail(`block index ${index} != ${content.length}`);
        if (sawDelta) fail("block after message_delta");
        content.push({ ...(asRecord(data.content_block) ?? fail("start without block")) });
        json.push("");
        open = index;
        break;
      }
      case "content_block_delta": {
        const block = content[index ?? -1] ?? fail(`delta for unknown block ${index}`);
        const delta = asRecord(data.delta) ?? fail("delta without delta");
        if (delta.type === "text_delta" && block.type === "text") block.text = String(block.text) + String(delta.text);
        else if (delta.type === "thinking_delta" && block.type === "thinking") {
          block.thinking = String(block.thinking) + String(delta.thinking);
        } else if (delta.type === "signature_delta" && block.type === "thinking") block.signature = delta.signature;
        else if (delta.type === "input_json_delta" && block.type === "tool_use") {
          json[index!] += String(delta.partial_json);
        } else fail(`delta ${String(delta.type)} on ${String(block.type)} block`);
        break;
      }
      case "content_block_stop":
        if (index !== open) fail(`stop for ${index} while ${open} is open`);
        if (json[open]) content[open]!.input = JSON.parse(json[open]!);
        open = -1;
        break;
      case "message_delta": {
        if (open >= 0) fail("message_delta with a block open");
        sawDelta = true;
        const delta = asRecord(data.delta) ?? {};
        message.stop_reason = delta.stop_reason;
        message.stop_sequence = delta.stop_sequence;
        const usage = asRecord(message.usage)!;
        for (const [k, v] of Object.entries(asRecord(data.usage) ?? {})) if (v != null) usage[k] = v;
        break;
      }
      case "message_stop":
        if (!sawDelta) fail("message_stop without message_delta");
        result.stopped = true;
        break;
      default:
        break;
    }
  }
  return result;
}

export function encodeOpenAISse(events: WireEvent[]): string {
  return events.map((e) => `data: ${typeof e.data === "string" ? e.data : JSON.stringify(e.data)}\n\n`).join("");
}

export function encodeAnthropicSse(events: WireEvent[]): string {
  return events.map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join("");
}

/** Anthropic stream events from compact `[type, fields]` pairs (event name = type). */
export function anthropicEvents(list: [string, Json?][]): WireEvent[] {
  return list.map(([type, fields]) => ({ event: type, data: { type, ...fields } }));
}

/** OpenAI chunk events from delta/finish/usage shorthands. */
export function openAIChunks(list: (Json | "[DONE]")[], id = "chatcmpl-1"): WireEvent[] {
  return list.map((item) => {
    if (item === "[DONE]") return { event: "", data: "[DONE]" };
    if ("error" in item) return { event: "", data: item };
    const envelope = { id, object: "chat.completion.chunk", created: 1, model: "up" };
    if ("choices" in item) return { event: "", data: { ...envelope, choices: item.choices, usage: item.usage ?? null } };
    const { usage, finish_reason, ...delta } = item;
    const choices = [{ index: 0, delta, finish_reason: finish_reason ?? null }];
    return { event: "", data: { ...envelope, choices, usage: usage ?? null } };
  });
}
