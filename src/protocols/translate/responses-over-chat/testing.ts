// Test support: a strict client-side accumulator for Responses event streams. It rebuilds the
// output the way the openai SDK's ResponseStream does and fails on anything that SDK (or a
// stricter client) would trip over; sdk.test.ts exercises the SDK itself.
import { asArray, asNumber, asRecord, asString, type Json } from "../json.ts";
import type { WireEvent } from "../types.ts";

export interface ResponsesStreamResult {
  /** Output items rebuilt from added/delta/done events. */
  output: Json[];
  /** The response of the terminal lifecycle event (completed, incomplete or failed). */
  response: Json | null;
  terminal: string | null;
  error: Json | null;
  types: string[];
}

function fail(message: string): never {
  throw new Error(`protocol violation: ${message}`);
}

const TERMINAL = new Set(["response.completed", "response.incomplete", "response.failed"]);

export function accumulateResponses(events: WireEvent[]): ResponsesStreamResult {
  const result: ResponsesStreamResult = { output: [], response: null, terminal: null, error: null, types: [] };
  const doneItems = new Set<number>();
  const openParts = new Map<string, string>();
  let id: unknown;
  let seq = 0;
  for (const ev of events) {
    const data = asRecord(ev.data) ?? fail("event data is not an object");
    const type = asString(data.type) ?? fail("event without type");
    result.types.push(type);
    if (ev.event !== type) fail(`event name '${ev.event}' != data.type '${type}'`);
    if (data.sequence_number !== seq) fail(`sequence_number ${String(data.sequence_number)} != ${seq}`);
    seq++;
    if (result.terminal) fail(`'${type}' after ${result.terminal}`);
    if (seq === 1 && type !== "response.created") fail(`first event is '${type}', not response.created`);
    if (type === "error") {
      if (typeof data.message !== "string" || !("code" in data) || data.param !== null) fail("error event shape");
      result.error = data;
      continue;
    }
    if (result.error && type !== "response.failed") fail(`'${type}' after error`);
    if (type.startsWith("response.") && "response" in data) {
      const response = asRecord(data.response) ?? fail(`${type} without response`);
      if (response.object !== "response") fail("response.object must be 'response'");
      id ??= response.id;
      if (response.id !== id) fail("response ids differ");
      if (TERMINAL.has(type)) {
        result.terminal = type;
        result.response = response;
        const expected = { completed: "completed", incomplete: "incomplete", failed: "failed" }[type.slice(9)];
        if (response.status !== expected) fail(`${type} with status ${String(response.status)}`);
        if (type !== "response.failed") {
          if (doneItems.size !== result.output.length) fail(`${type} with items still open`);
          if (JSON.stringify(response.output) !== JSON.stringify(result.output)) fail(`${type} output differs from the streamed items`);
        }
      } else if (response.status !== "in_progress") fail(`${type} status ${String(response.status)}`);
      continue;
    }
    const index = asNumber(data.output_index) ?? fail(`${type} without output_index`);
    if (type === "response.output_item.added") {
      if (index !== result.output.length) fail(`output_index ${index} != ${result.output.length}`);
      const item = asRecord(data.item) ?? fail("added without item");
      if (item.status !== "in_progress") fail("added item not in_progress");
      result.output.push(structuredClone(item));
      continue;
    }
    const item = result.output[index] ?? fail(`${type} for unknown item ${index}`);
    if (doneItems.has(index)) fail(`${type} for item ${index} after its output_item.done`);
    if (type !== "response.output_item.done" && data.item_id !== item.id) fail(`${type} item_id mismatch`);
    const content = asNumber(data.content_index);
    const partKey = `${index}/${content ?? asNumber(data.summary_index)}`;
    switch (type) {
      case "response.output_item.done": {
        const done = asRecord(data.item) ?? fail("done without item");
        if ([...openParts.keys()].some((k) => k.startsWith(`${index}/`))) fail("item done with a part open");
        const { status: _a, encrypted_content: _b, ...rest } = done;
        const { status: _c, encrypted_content: _d, ...mine } = item;
        if (JSON.stringify(rest) !== JSON.stringify(mine)) fail(`item ${index} done differs from its deltas: ${JSON.stringify(done)} vs ${JSON.stringify(item)}`);
        result.output[index] = structuredClone(done);
        doneItems.add(index);
        break;
      }
      case "response.content_part.added": {
        const list = listField(item, "content");
        if (content !== list.length) fail(`content_index ${content} != ${list.length}`);
        list.push(structuredClone(asRecord(data.part) ?? fail("part")));
        openParts.set(partKey, type);
        break;
      }
      case "response.reasoning_summary_part.added": {
        const list = listField(item, "summary");
        if (data.summary_index !== list.length) fail("summary_index skips");
        list.push(structuredClone(asRecord(data.part) ?? fail("part")));
        openParts.set(partKey, type);
        break;
      }
      case "response.output_text.delta":
      case "response.reasoning_text.delta":
      case "response.refusal.delta":
      case "response.reasoning_summary_text.delta": {
        if (!openParts.has(partKey)) fail(`${type} for a part not open`);
        if (type === "response.output_text.delta" && !Array.isArray(data.logprobs)) fail("output_text.delta without logprobs");
        const part = partAt(item, type, content, asNumber(data.summary_index));
        const field = part.type === "refusal" ? "refusal" : "text";
        part[field] = String(part[field]) + String(data.delta);
        break;
      }
      case "response.output_text.done":
      case "response.reasoning_text.done":
      case "response.refusal.done":
      case "response.reasoning_summary_text.done": {
        const part = partAt(item, type, content, asNumber(data.summary_index));
        const field = part.type === "refusal" ? "refusal" : "text";
        if (data[field] !== part[field]) fail(`${type} text differs from its deltas`);
        break;
      }
      case "response.content_part.done":
      case "response.reasoning_summary_part.done": {
        const part = partAt(item, type, content, asNumber(data.summary_index));
        if (JSON.stringify(data.part) !== JSON.stringify(part)) fail(`${type} part differs`);
        openParts.delete(partKey);
        break;
      }
      case "response.function_call_arguments.delta":
        if (item.type !== "function_call") fail("arguments delta on a non-call item");
        item.arguments = String(item.arguments) + String(data.delta);
        break;
      case "response.function_call_arguments.done":
        if (data.arguments !== item.arguments || data.name !== item.name) fail("arguments.done differs");
        break;
      default:
        fail(`unexpected event type '${type}'`);
    }
  }
  return result;
}

/** The item's own array (not a copy): parts are accumulated into it in place. */
function listField(item: Json, key: string): unknown[] {
  const list: unknown = item[key];
  if (!Array.isArray(list)) fail(`${String(item.type)} item without ${key}`);
  return list;
}

function partAt(item: Json, type: string, content: number | undefined, summary: number | undefined): Json {
  const list = type.includes("summary") ? asArray(item.summary) : asArray(item.content);
  return asRecord(list[(type.includes("summary") ? summary : content) ?? -1]) ?? fail(`${type} for a missing part`);
}

export function encodeResponsesSse(events: WireEvent[]): string {
  return events.map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join("");
}
