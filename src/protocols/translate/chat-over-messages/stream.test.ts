import { describe, expect, test } from "bun:test";
import type { TokenUsage } from "../../usage.ts";
import { asArray, asRecord, type Json } from "../json.ts";
import { accumulateChat, anthropicEvents, testCtx } from "../testing.ts";
import type { WireEvent } from "../types.ts";
import { MessagesToChatStream } from "./stream.ts";

const ctx = testCtx();

/** Chunks reduced to what differs between them: the delta, a finish, usage, [DONE], error. */
function compact(events: WireEvent[]): unknown[] {
  return events.map((e) => {
    if (e.data === "[DONE]") return "[DONE]";
    const data = asRecord(e.data)!;
    if (data.error) return { error: data.error };
    const choice = asRecord(asArray(data.choices)[0]);
    if (!choice) return { usage: data.usage };
    return choice.finish_reason ? { finish_reason: choice.finish_reason } : choice.delta;
  });
}

function run(input: WireEvent[], includeUsage: boolean, extra?: Json) {
  const t = new MessagesToChatStream(ctx, { includeUsage });
  const out = input.flatMap((e) => t.push(e));
  if (t.state === "complete") out.push(...t.finish(extra));
  else if (t.state === "errored") out.push(...t.fail(t.upstreamError!));
  return { t, out };
}

const start = (usage: Json = { input_tokens: 10, output_tokens: 1 }): [string, Json] => [
  "message_start",
  { message: { id: "msg_1", type: "message", role: "assistant", content: [], model: "claude-x", usage } },
];
const textBlock = (index: number, text: string): [string, Json][] => [
  ["content_block_start", { index, content_block: { type: "text", text: "" } }],
  ["content_block_delta", { index, delta: { type: "text_delta", text } }],
  ["content_block_stop", { index }],
];
const toolBlock = (index: number, id: string, ...parts: string[]): [string, Json][] => [
  ["content_block_start", { index, content_block: { type: "tool_use", id, name: "get_weather", input: {} } }],
  ...parts.map((p): [string, Json] => ["content_block_delta", { index, delta: { type: "input_json_delta", partial_json: p } }]),
  ["content_block_stop", { index }],
];
const end = (stop_reason: string, usage: Json = { output_tokens: 7 }): [string, Json?][] => [
  ["message_delta", { delta: { stop_reason, stop_sequence: null }, usage }],
  ["message_stop"],
];
const role = { role: "assistant", content: "" };

interface Case {
  name: string;
  input: WireEvent[];
  includeUsage?: boolean;
  extra?: Json;
  expected: unknown[];
  usage?: TokenUsage;
}

const cases: Case[] = [
  {
    name: "text with ping and unknown events; no usage chunk unless asked",
    input: anthropicEvents([
      start(),
      ["ping"],
      ["content_block_start", { index: 0, content_block: { type: "text", text: "" } }],
      ["content_block_delta", { index: 0, delta: { type: "text_delta", text: "Hel" } }],
      ["some_future_event", { foo: 1 }],
      ["content_block_delta", { index: 0, delta: { type: "text_delta", text: "lo" } }],
      ["content_block_delta", { index: 0, delta: { type: "citations_delta", citation: {} } }],
      ["content_block_stop", { index: 0 }],
      ...end("end_turn"),
    ]),
    expected: [role, { content: "Hel" }, { content: "lo" }, { finish_reason: "stop" }, "[DONE]"],
    usage: { inputTokens: 10, outputTokens: 7, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
  },
  {
    name: "thinking, text and a tool call with usage and extra usage fields",
    includeUsage: true,
    extra: { cost_usd: 0.25 },
    input: anthropicEvents([
      start({ input_tokens: 410, cache_creation_input_tokens: 0, cache_read_input_tokens: 2048, output_tokens: 1 }),
      ["content_block_start", { index: 0, content_block: { type: "thinking", thinking: "" } }],
      ["content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "User wants " } }],
      ["content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "weather." } }],
      ["content_block_delta", { index: 0, delta: { type: "signature_delta", signature: "EqQB" } }],
      ["content_block_stop", { index: 0 }],
      ...textBlock(1, "Let me look."),
      ...toolBlock(2, "toolu_01", '{"city": "Os', 'lo"}'),
      ...end("tool_use", { output_tokens: 96 }),
    ]),
    expected: [
      role,
      { reasoning_content: "User wants " },
      { reasoning_content: "weather." },
      { thinking_blocks: [{ type: "thinking", thinking: "User wants weather.", signature: "EqQB" }] },
      { content: "Let me look." },
      { tool_calls: [{ index: 0, id: "toolu_01", type: "function", function: { name: "get_weather", arguments: "" } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city": "Os' } }] },
      { tool_calls: [{ index: 0, function: { arguments: 'lo"}' } }] },
      { finish_reason: "tool_calls" },
      {
        usage: {
          prompt_tokens: 2458,
          completion_tokens: 96,
          total_tokens: 2554,
          prompt_tokens_details: { cached_tokens: 2048 },
          completion_tokens_details: { reasoning_tokens: 0 },
          cost_usd: 0.25,
        },
      },
      "[DONE]",
    ],
  },
  {
    name: "parallel tool calls are numbered by tool, not by block",
    input: anthropicEvents([start(), ...textBlock(0, "Both."), ...toolBlock(1, "toolu_a", "{}"), ...toolBlock(2, "toolu_b", '{"x":1}'), ...end("tool_use")]),
    expected: [
      role,
      { content: "Both." },
      { tool_calls: [{ index: 0, id: "toolu_a", type: "function", function: { name: "get_weather", arguments: "" } }] },
      { tool_calls: [{ index: 0, function: { arguments: "{}" } }] },
      { tool_calls: [{ index: 1, id: "toolu_b", type: "function", function: { name: "get_weather", arguments: "" } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{"x":1}' } }] },
      { finish_reason: "tool_calls" },
      "[DONE]",
    ],
  },
  {
    name: "redacted thinking joins thinking_blocks, re-sent whole after each block",
    input: anthropicEvents([
      start(),
      ["content_block_start", { index: 0, content_block: { type: "redacted_thinking", data: "ENC" } }],
      ["content_block_stop", { index: 0 }],
      ["content_block_start", { index: 1, content_block: { type: "thinking", thinking: "", signature: "" } }],
      ["content_block_delta", { index: 1, delta: { type: "signature_delta", signature: "S2" } }],
      ["content_block_stop", { index: 1 }],
      ...textBlock(2, "ok"),
      ...end("end_turn"),
    ]),
    expected: [
      role,
      { thinking_blocks: [{ type: "redacted_thinking", data: "ENC" }] },
      {
        thinking_blocks: [
          { type: "redacted_thinking", data: "ENC" },
          { type: "thinking", thinking: "", signature: "S2" },
        ],
      },
      { content: "ok" },
      { finish_reason: "stop" },
      "[DONE]",
    ],
  },
  {
    name: "max_tokens -> length; tool input sent whole at block start is forwarded",
    input: anthropicEvents([
      start(),
      ["content_block_start", { index: 0, content_block: { type: "tool_use", id: "toolu_x", name: "f", input: { a: 1 } } }],
      ["content_block_stop", { index: 0 }],
      ...end("max_tokens"),
    ]),
    expected: [
      role,
      { tool_calls: [{ index: 0, id: "toolu_x", type: "function", function: { name: "f", arguments: "" } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] },
      { finish_reason: "length" },
      "[DONE]",
    ],
  },
  {
    name: "message_stop without message_delta still gets a finish chunk",
    input: anthropicEvents([start(), ...textBlock(0, "x"), ["message_stop"]]),
    expected: [role, { content: "x" }, { finish_reason: "stop" }, "[DONE]"],
  },
  {
    name: "upstream error mid-stream becomes an OpenAI error payload",
    input: [
      ...anthropicEvents([start(), ...textBlock(0, "partial")]),
      { event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } },
      ...anthropicEvents([...textBlock(1, "ignored")]),
    ],
    expected: [
      role,
      { content: "partial" },
      { error: { message: "Overloaded", type: "overloaded_error", param: null, code: null } },
    ],
  },
  {
    name: "cache writes and thinking tokens reach the usage chunk",
    includeUsage: true,
    input: anthropicEvents([
      start({ input_tokens: 5, cache_creation_input_tokens: 300, output_tokens: 1 }),
      ...textBlock(0, "x"),
      ...end("end_turn", { output_tokens: 50, input_tokens: 6, output_tokens_details: { thinking_tokens: 20 } }),
    ]),
    expected: [
      role,
      { content: "x" },
      { finish_reason: "stop" },
      {
        usage: {
          prompt_tokens: 306,
          completion_tokens: 50,
          total_tokens: 356,
          prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 300 },
          completion_tokens_details: { reasoning_tokens: 20 },
        },
      },
      "[DONE]",
    ],
    usage: { inputTokens: 6, outputTokens: 50, cacheReadTokens: 0, cacheWriteTokens: 300, reasoningTokens: 20 },
  },
];

describe("MessagesToChatStream", () => {
  test.each(cases)("$name", ({ input, includeUsage, extra, expected, usage }) => {
    const { t, out } = run(input, includeUsage ?? false, extra);
    expect(compact(out)).toEqual(expected);
    if (usage) expect(t.usage()).toEqual(usage);
    // Every chunk is a well-formed OpenAI chunk for the public model.
    accumulateChat(out);
  });

  test("state: streaming until message_stop, then complete; usage null before message_start", () => {
    const t = new MessagesToChatStream(ctx, { includeUsage: false });
    expect(t.usage()).toBeNull();
    const events = anthropicEvents([start(), ...textBlock(0, "x"), ...end("end_turn")]);
    for (const e of events.slice(0, -1)) {
      t.push(e);
      expect(t.state).toBe("streaming");
    }
    t.push(events.at(-1)!);
    expect(t.state).toBe("complete");
    expect(t.push(events[2]!)).toEqual([]);
  });

  test("errored state exposes the upstream error; finish/fail emit once", () => {
    const t = new MessagesToChatStream(ctx, { includeUsage: true });
    t.push({ event: "error", data: { type: "error", error: { type: "api_error", message: "boom" } } });
    expect(t.state).toBe("errored");
    expect(t.upstreamError).toEqual({ type: "api_error", message: "boom" });
    expect(t.fail({ type: "api_error", message: "boom" })).toHaveLength(1);
    expect(t.fail({ type: "api_error", message: "boom" })).toEqual([]);
    expect(t.finish()).toEqual([]);
  });

  test("a stream that fails before message_start still yields a valid error payload", () => {
    const t = new MessagesToChatStream(ctx, { includeUsage: false });
    expect(t.fail({ type: "timeout_error", message: "Upstream timed out" })).toEqual([
      { event: "", data: { error: { message: "Upstream timed out", type: "timeout_error", param: null, code: null } } },
    ]);
  });

  test("every chunk carries the public model and the upstream message id", () => {
    const { out } = run(anthropicEvents([start(), ...textBlock(0, "x"), ...end("end_turn")]), true);
    for (const e of out.slice(0, -1)) {
      expect(asRecord(e.data)).toMatchObject({ id: "msg_1", model: "public-model", object: "chat.completion.chunk" });
    }
  });
});
