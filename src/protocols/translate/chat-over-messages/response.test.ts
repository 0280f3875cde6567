import { describe, expect, test } from "bun:test";
import { usageFromAnthropic, usageFromOpenAI } from "../../usage.ts";
import type { Json } from "../json.ts";
import { testCtx } from "../testing.ts";
import { messagesToChatResponse } from "./response.ts";

const ctx = testCtx();
const usage = { input_tokens: 10, output_tokens: 5 };
const openaiUsage = {
  prompt_tokens: 10,
  completion_tokens: 5,
  total_tokens: 15,
  prompt_tokens_details: { cached_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0 },
};

function message(content: Json[], stop_reason = "end_turn", u: Json = usage): Json {
  return { id: "msg_01", type: "message", role: "assistant", model: "claude-x", content, stop_reason, usage: u };
}

interface Case {
  name: string;
  input: Json;
  expected: { message: Json; finish_reason: string; usage?: Json };
}

const cases: Case[] = [
  {
    name: "text blocks are concatenated",
    input: message([
      { type: "text", text: "Hello " },
      { type: "text", text: "world", citations: [] },
    ]),
    expected: { message: { role: "assistant", content: "Hello world", refusal: null }, finish_reason: "stop" },
  },
  {
    name: "tool_use -> tool_calls with JSON arguments and null content",
    input: message([{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Oslo" } }], "tool_use"),
    expected: {
      message: {
        role: "assistant",
        content: null,
        refusal: null,
        tool_calls: [{ id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }],
      },
      finish_reason: "tool_calls",
    },
  },
  {
    name: "thinking -> reasoning_content + thinking_blocks with signature and redacted data",
    input: message([
      { type: "thinking", thinking: "Step 1. ", signature: "SIG1" },
      { type: "redacted_thinking", data: "ENC" },
      { type: "thinking", thinking: "Step 2.", signature: "SIG2" },
      { type: "text", text: "Done." },
    ]),
    expected: {
      message: {
        role: "assistant",
        content: "Done.",
        refusal: null,
        reasoning_content: "Step 1. Step 2.",
        thinking_blocks: [
          { type: "thinking", thinking: "Step 1. ", signature: "SIG1" },
          { type: "redacted_thinking", data: "ENC" },
          { type: "thinking", thinking: "Step 2.", signature: "SIG2" },
        ],
      },
      finish_reason: "stop",
    },
  },
  {
    name: "server tool blocks are dropped",
    input: message([
      { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "x" } },
      { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [] },
      { type: "text", text: "Found." },
    ]),
    expected: { message: { role: "assistant", content: "Found.", refusal: null }, finish_reason: "stop" },
  },
  ...(
    [
      ["end_turn", "stop"],
      ["stop_sequence", "stop"],
      ["max_tokens", "length"],
      ["tool_use", "tool_calls"],
      ["refusal", "content_filter"],
      ["pause_turn", "stop"],
      ["model_context_window_exceeded", "length"],
    ] as [string, string][]
  ).map(([stop, finish]) => ({
    name: `stop_reason ${stop} -> ${finish}`,
    input: message([{ type: "text", text: "x" }], stop),
    expected: { message: { role: "assistant", content: "x", refusal: null }, finish_reason: finish },
  })),
  {
    name: "usage: prompt includes cache reads and writes; reasoning from thinking_tokens",
    input: message([{ type: "text", text: "x" }], "end_turn", {
      input_tokens: 410,
      cache_creation_input_tokens: 100,
      cache_read_input_tokens: 2048,
      output_tokens: 96,
      output_tokens_details: { thinking_tokens: 40 },
    }),
    expected: {
      message: { role: "assistant", content: "x", refusal: null },
      finish_reason: "stop",
      usage: {
        prompt_tokens: 2558,
        completion_tokens: 96,
        total_tokens: 2654,
        prompt_tokens_details: { cached_tokens: 2048, cache_write_tokens: 100 },
        completion_tokens_details: { reasoning_tokens: 40 },
      },
    },
  },
];

describe("messagesToChatResponse", () => {
  test.each(cases)("$name", ({ input, expected }) => {
    const out = messagesToChatResponse(input, ctx);
    expect(out).toEqual({
      id: "msg_01",
      object: "chat.completion",
      created: expect.any(Number),
      model: "public-model",
      choices: [{ index: 0, message: expected.message, logprobs: null, finish_reason: expected.finish_reason }],
      usage: expected.usage ?? openaiUsage,
    });
    // Billing must not change with the protocol the client speaks.
    expect(usageFromOpenAI(out.usage)).toEqual(usageFromAnthropic(input.usage));
  });

  test("a message without id gets a chatcmpl- id", () => {
    const out = messagesToChatResponse({ content: [], stop_reason: "end_turn" }, ctx);
    expect(String(out.id)).toStartWith("chatcmpl-");
  });
});
