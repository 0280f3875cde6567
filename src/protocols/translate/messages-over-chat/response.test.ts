import { describe, expect, test } from "bun:test";
import { usageFromAnthropic, usageFromOpenAI } from "../../usage.ts";
import type { Json } from "../json.ts";
import { testCtx } from "../testing.ts";
import { chatToMessagesResponse } from "./response.ts";

const ctx = testCtx();
const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
const anthropicUsage = { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 5 };

function completion(message: Json, finish_reason: string | null = "stop", u: Json = usage): Json {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1,
    model: "gpt-x",
    choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason }],
    usage: u,
  };
}

interface Case {
  name: string;
  input: Json;
  expected: { content: Json[]; stop_reason: string; usage?: Json };
}

const call = (id: string, args: string) => ({ id, type: "function", function: { name: "get_weather", arguments: args } });

const cases: Case[] = [
  {
    name: "text answer",
    input: completion({ content: "4 °C in Oslo." }),
    expected: { content: [{ type: "text", text: "4 °C in Oslo." }], stop_reason: "end_turn" },
  },
  {
    name: "tool calls -> tool_use blocks with parsed input, ids kept",
    input: completion({ content: "Checking.", tool_calls: [call("call_1", '{"city":"Oslo"}'), call("call_2", "")] }, "tool_calls"),
    expected: {
      content: [
        { type: "text", text: "Checking." },
        { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Oslo" } },
        { type: "tool_use", id: "call_2", name: "get_weather", input: {} },
      ],
      stop_reason: "tool_use",
    },
  },
  {
    name: "invalid JSON arguments fall back to {}",
    input: completion({ content: null, tool_calls: [call("call_1", '{"city": "Os')] }, "tool_calls"),
    expected: { content: [{ type: "tool_use", id: "call_1", name: "get_weather", input: {} }], stop_reason: "tool_use" },
  },
  {
    name: "finish_reason stop with tool calls is repaired to tool_use",
    input: completion({ content: null, tool_calls: [call("c", "{}")] }, "stop"),
    expected: { content: [{ type: "tool_use", id: "c", name: "get_weather", input: {} }], stop_reason: "tool_use" },
  },
  {
    name: "reasoning_content (DeepSeek style) -> unsigned thinking block first",
    input: completion({ content: "42", reasoning_content: "Think..." }),
    expected: {
      content: [
        { type: "thinking", thinking: "Think...", signature: "" },
        { type: "text", text: "42" },
      ],
      stop_reason: "end_turn",
    },
  },
  {
    name: "reasoning (OpenRouter style) -> thinking block",
    input: completion({ content: "42", reasoning: "R" }),
    expected: {
      content: [
        { type: "thinking", thinking: "R", signature: "" },
        { type: "text", text: "42" },
      ],
      stop_reason: "end_turn",
    },
  },
  {
    name: "thinking_blocks win over reasoning_content and keep signatures",
    input: completion({
      content: "ok",
      reasoning_content: "a",
      thinking_blocks: [
        { type: "thinking", thinking: "a", signature: "SIG" },
        { type: "redacted_thinking", data: "ENC" },
      ],
    }),
    expected: {
      content: [
        { type: "thinking", thinking: "a", signature: "SIG" },
        { type: "redacted_thinking", data: "ENC" },
        { type: "text", text: "ok" },
      ],
      stop_reason: "end_turn",
    },
  },
  {
    name: "refusal -> text + refusal stop reason",
    input: completion({ content: null, refusal: "I can't help with that." }),
    expected: { content: [{ type: "text", text: "I can't help with that." }], stop_reason: "refusal" },
  },
  ...(
    [
      ["length", "max_tokens"],
      ["content_filter", "refusal"],
      ["function_call", "tool_use"],
      [null, "end_turn"],
    ] as [string | null, string][]
  ).map(([finish, stop]) => ({
    name: `finish_reason ${finish} -> ${stop}`,
    input: completion({ content: "x" }, finish),
    expected: { content: [{ type: "text", text: "x" }], stop_reason: stop },
  })),
  {
    name: "usage: cached tokens leave input_tokens; cache writes and reasoning kept",
    input: completion({ content: "x" }, "stop", {
      prompt_tokens: 120,
      completion_tokens: 30,
      total_tokens: 150,
      prompt_tokens_details: { cached_tokens: 64, cache_write_tokens: 16 },
      completion_tokens_details: { reasoning_tokens: 12 },
    }),
    expected: {
      content: [{ type: "text", text: "x" }],
      stop_reason: "end_turn",
      usage: {
        input_tokens: 40,
        cache_creation_input_tokens: 16,
        cache_read_input_tokens: 64,
        output_tokens: 30,
        output_tokens_details: { thinking_tokens: 12 },
      },
    },
  },
];

describe("chatToMessagesResponse", () => {
  test.each(cases)("$name", ({ input, expected }) => {
    const out = chatToMessagesResponse(input, ctx);
    expect(out).toEqual({
      id: "chatcmpl-1",
      type: "message",
      role: "assistant",
      model: "public-model",
      content: expected.content,
      stop_reason: expected.stop_reason,
      stop_sequence: null,
      usage: expected.usage ?? anthropicUsage,
    });
    expect(usageFromAnthropic(out.usage)).toEqual(usageFromOpenAI(input.usage));
  });
});
