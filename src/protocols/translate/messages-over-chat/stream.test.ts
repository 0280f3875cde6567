import { describe, expect, test } from "bun:test";
import { asRecord, type Json } from "../json.ts";
import { accumulateMessages, openAIChunks, testCtx } from "../testing.ts";
import type { WireEvent } from "../types.ts";
import { ChatToMessagesStream } from "./stream.ts";

const ctx = testCtx();

/** Anthropic events reduced to tuples: [kind, index?, payload?]. */
function compact(events: WireEvent[]): unknown[] {
  return events.map((e) => {
    const d = asRecord(e.data)!;
    switch (e.event) {
      case "content_block_start":
        return ["start", d.index, d.content_block];
      case "content_block_delta":
        return ["delta", d.index, d.delta];
      case "content_block_stop":
        return ["stop", d.index];
      case "message_delta":
        return ["message_delta", d.delta, d.usage];
      case "error":
        return ["error", d.error];
      default:
        return e.event;
    }
  });
}

function run(input: WireEvent[], extra?: Json) {
  const t = new ChatToMessagesStream(ctx);
  const out = input.flatMap((e) => t.push(e));
  if (t.state === "complete") out.push(...t.finish(extra));
  else if (t.state === "errored") out.push(...t.fail(t.upstreamError!));
  return { t, out };
}

const roleChunk = { role: "assistant", content: "", refusal: null };
const usage = (prompt: number, completion: number, cached = 0): Json => ({
  choices: [],
  usage: {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
  },
});
const closing = (stop: string, input: number, output: number, cacheRead = 0): unknown[] => [
  ["message_delta", { stop_reason: stop, stop_sequence: null }, {
    output_tokens: output,
    input_tokens: input,
    cache_read_input_tokens: cacheRead,
    cache_creation_input_tokens: 0,
  }],
  "message_stop",
];
const text = (index: number) => ["start", index, { type: "text", text: "" }];
const thinking = (index: number) => ["start", index, { type: "thinking", thinking: "", signature: "" }];
const tool = (index: number, id: string, name = "get_weather") => ["start", index, { type: "tool_use", id, name, input: {} }];
const tc = (index: number, fields: Json) => ({ tool_calls: [{ index, ...fields }] });
const head = (index: number, id: string, name = "get_weather") =>
  tc(index, { id, type: "function", function: { name, arguments: "" } });
const args = (index: number, a: string) => tc(index, { function: { arguments: a } });

interface Case {
  name: string;
  input: WireEvent[];
  extra?: Json;
  expected: unknown[];
}

const cases: Case[] = [
  {
    name: "text then a tool call, message_delta held for the usage chunk (A.5 transcript)",
    input: openAIChunks([
      roleChunk,
      { content: "Checking" },
      head(0, "call_7"),
      args(0, '{"city":'),
      args(0, '"Oslo"}'),
      { finish_reason: "tool_calls" },
      usage(80, 21, 16),
      "[DONE]",
    ]),
    expected: [
      "message_start",
      text(0),
      ["delta", 0, { type: "text_delta", text: "Checking" }],
      ["stop", 0],
      tool(1, "call_7"),
      ["delta", 1, { type: "input_json_delta", partial_json: '{"city":' }],
      ["delta", 1, { type: "input_json_delta", partial_json: '"Oslo"}' }],
      ["stop", 1],
      ...closing("tool_use", 64, 21, 16),
    ],
  },
  {
    name: "reasoning_content (DeepSeek/Kimi/Qwen) -> thinking block without signature_delta",
    input: openAIChunks([
      { role: "assistant", content: null, reasoning_content: "Let me " },
      { reasoning_content: "think.", content: null },
      { content: "42", reasoning_content: null },
      { finish_reason: "stop" },
      usage(5, 9),
      "[DONE]",
    ]),
    expected: [
      "message_start",
      thinking(0),
      ["delta", 0, { type: "thinking_delta", thinking: "Let me " }],
      ["delta", 0, { type: "thinking_delta", thinking: "think." }],
      ["stop", 0],
      text(1),
      ["delta", 1, { type: "text_delta", text: "42" }],
      ["stop", 1],
      ...closing("end_turn", 5, 9),
    ],
  },
  {
    name: "reasoning (OpenRouter/vLLM) -> thinking block",
    input: openAIChunks([{ role: "assistant", reasoning: "R" }, { content: "A" }, { finish_reason: "stop", usage: usage(1, 2).usage }]),
    expected: [
      "message_start",
      thinking(0),
      ["delta", 0, { type: "thinking_delta", thinking: "R" }],
      ["stop", 0],
      text(1),
      ["delta", 1, { type: "text_delta", text: "A" }],
      ["stop", 1],
      ...closing("end_turn", 1, 2),
    ],
  },
  {
    name: "content, finish_reason and usage in one chunk are split, content first",
    input: openAIChunks([{ role: "assistant", content: "All at once.", finish_reason: "stop", usage: usage(3, 4).usage }]),
    expected: [
      "message_start",
      text(0),
      ["delta", 0, { type: "text_delta", text: "All at once." }],
      ["stop", 0],
      ...closing("end_turn", 3, 4),
    ],
  },
  {
    name: "parallel tool calls get consecutive blocks",
    input: openAIChunks([
      roleChunk,
      head(0, "call_a"),
      args(0, '{"city":"Oslo"}'),
      head(1, "call_b"),
      args(1, '{"city":"Bergen"}'),
      { finish_reason: "tool_calls" },
      usage(10, 20),
      "[DONE]",
    ]),
    expected: [
      "message_start",
      tool(0, "call_a"),
      ["delta", 0, { type: "input_json_delta", partial_json: '{"city":"Oslo"}' }],
      ["stop", 0],
      tool(1, "call_b"),
      ["delta", 1, { type: "input_json_delta", partial_json: '{"city":"Bergen"}' }],
      ["stop", 1],
      ...closing("tool_use", 10, 20),
    ],
  },
  {
    name: "every call sent as index 0 with a new id still yields separate blocks",
    input: openAIChunks([
      roleChunk,
      tc(0, { id: "call_a", type: "function", function: { name: "f", arguments: "{}" } }),
      tc(0, { id: "call_b", type: "function", function: { name: "g", arguments: '{"x":1}' } }),
      { finish_reason: "tool_calls" },
      "[DONE]",
    ]),
    expected: [
      "message_start",
      tool(0, "call_a", "f"),
      ["delta", 0, { type: "input_json_delta", partial_json: "{}" }],
      ["stop", 0],
      tool(1, "call_b", "g"),
      ["delta", 1, { type: "input_json_delta", partial_json: '{"x":1}' }],
      ["stop", 1],
      ...closing("tool_use", 0, 0),
    ],
  },
  {
    name: "thinking_blocks after reasoning add the real signature; redacted arrives whole",
    input: openAIChunks([
      roleChunk,
      { reasoning_content: "plan" },
      { thinking_blocks: [{ type: "thinking", thinking: "plan", signature: "SIG" }] },
      {
        thinking_blocks: [
          { type: "thinking", thinking: "plan", signature: "SIG" },
          { type: "redacted_thinking", data: "ENC" },
        ],
      },
      { content: "ok" },
      { finish_reason: "stop" },
      usage(1, 1),
    ]),
    expected: [
      "message_start",
      thinking(0),
      ["delta", 0, { type: "thinking_delta", thinking: "plan" }],
      ["delta", 0, { type: "signature_delta", signature: "SIG" }],
      ["stop", 0],
      ["start", 1, { type: "redacted_thinking", data: "ENC" }],
      ["stop", 1],
      text(2),
      ["delta", 2, { type: "text_delta", text: "ok" }],
      ["stop", 2],
      ...closing("end_turn", 1, 1),
    ],
  },
  {
    name: "reasoning after a signed block starts a new thinking block",
    input: openAIChunks([
      { role: "assistant", reasoning_content: "a" },
      { thinking_blocks: [{ type: "thinking", thinking: "a", signature: "S1" }] },
      { reasoning_content: "b" },
      { finish_reason: "stop" },
      "[DONE]",
    ]),
    expected: [
      "message_start",
      thinking(0),
      ["delta", 0, { type: "thinking_delta", thinking: "a" }],
      ["delta", 0, { type: "signature_delta", signature: "S1" }],
      ["stop", 0],
      thinking(1),
      ["delta", 1, { type: "thinking_delta", thinking: "b" }],
      ["stop", 1],
      ...closing("end_turn", 0, 0),
    ],
  },
  {
    name: "refusal deltas are text; content_filter -> refusal",
    input: openAIChunks([roleChunk, { refusal: "No." }, { finish_reason: "content_filter" }, usage(2, 1)]),
    expected: [
      "message_start",
      text(0),
      ["delta", 0, { type: "text_delta", text: "No." }],
      ["stop", 0],
      ...closing("refusal", 2, 1),
    ],
  },
  {
    name: "[DONE] without finish_reason closes with an inferred stop reason",
    input: openAIChunks([roleChunk, head(0, "c"), args(0, "{}"), "[DONE]"]),
    expected: [
      "message_start",
      tool(0, "c"),
      ["delta", 0, { type: "input_json_delta", partial_json: "{}" }],
      ["stop", 0],
      ...closing("tool_use", 0, 0),
    ],
  },
  {
    name: "length -> max_tokens; extra usage fields reach message_delta",
    extra: { cost_usd: 0.5 },
    input: openAIChunks([roleChunk, { content: "trunc" }, { finish_reason: "length" }, usage(4, 8)]),
    expected: [
      "message_start",
      text(0),
      ["delta", 0, { type: "text_delta", text: "trunc" }],
      ["stop", 0],
      ["message_delta", { stop_reason: "max_tokens", stop_sequence: null }, {
        output_tokens: 8,
        input_tokens: 4,
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 0,
        cost_usd: 0.5,
      }],
      "message_stop",
    ],
  },
  {
    name: "error payload mid-stream -> Anthropic error event, nothing after",
    input: openAIChunks([roleChunk, { content: "part" }, { error: { message: "Rate limited", type: "rate_limit_error" } }, { content: "x" }]),
    expected: [
      "message_start",
      text(0),
      ["delta", 0, { type: "text_delta", text: "part" }],
      ["error", { type: "rate_limit_error", message: "Rate limited" }],
    ],
  },
];

describe("ChatToMessagesStream", () => {
  test.each(cases)("$name", ({ input, extra, expected }) => {
    const { out } = run(input, extra);
    expect(compact(out)).toEqual(expected);
    // The sequence is one the Anthropic SDK accepts (order, indices, event names).
    accumulateMessages(out);
  });

  test("message_start carries the public model and the upstream id", () => {
    const { out } = run(openAIChunks([roleChunk, { finish_reason: "stop" }, "[DONE]"]));
    expect(out[0]).toEqual({
      event: "message_start",
      data: {
        type: "message_start",
        message: {
          id: "chatcmpl-1",
          type: "message",
          role: "assistant",
          model: "public-model",
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
    });
  });

  test("holds completion until usage arrives after finish_reason", () => {
    const t = new ChatToMessagesStream(ctx);
    const [role, early, content, finish, late] = openAIChunks([
      roleChunk,
      { content: "", usage: { prompt_tokens: 3, completion_tokens: 0 } },
      { content: "x" },
      { finish_reason: "stop" },
      usage(3, 1),
    ]);
    for (const e of [role!, early!, content!, finish!]) {
      t.push(e);
      expect(t.state).toBe("streaming");
    }
    t.push(late!);
    expect(t.state).toBe("complete");
    expect(t.usage()).toEqual({ inputTokens: 3, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
    expect(t.finish().map((e) => e.event)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(t.fail({ type: "api_error", message: "late" })).toEqual([]);
    expect(t.push(late!)).toEqual([]);
  });

  test("a bare-string error payload is an upstream error too", () => {
    const t = new ChatToMessagesStream(ctx);
    t.push({ event: "", data: { error: "model overloaded" } });
    expect(t.state).toBe("errored");
    expect(t.upstreamError).toEqual({ type: "api_error", message: "model overloaded" });
  });

  test("fail before anything was sent is a lone error event", () => {
    const t = new ChatToMessagesStream(ctx);
    expect(t.usage()).toBeNull();
    expect(t.fail({ type: "overloaded_error", message: "Overloaded" })).toEqual([
      { event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } },
    ]);
    expect(t.finish()).toEqual([]);
  });

  test("finish on an empty stream still produces a valid message", () => {
    const t = new ChatToMessagesStream(ctx);
    t.push({ event: "", data: "[DONE]" });
    const result = accumulateMessages(t.finish());
    expect(result.message).toMatchObject({ content: [], stop_reason: "end_turn" });
  });
});
