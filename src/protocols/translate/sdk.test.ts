// The translators' streams, encoded as SSE and served over HTTP, must be accepted by the
// official SDKs' stream parsers and accumulate into the expected final objects.
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { chainStreams } from "./chain.ts";
import { MessagesToChatStream } from "./chat-over-messages/stream.ts";
import { ChatToMessagesStream } from "./messages-over-chat/stream.ts";
import { anthropicEvents, encodeAnthropicSse, encodeOpenAISse, openAIChunks, testCtx } from "./testing.ts";
import type { StreamTranslator, WireEvent } from "./types.ts";

const ctx = testCtx();
let server: ReturnType<typeof Bun.serve>;
let sse = "";

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    fetch: () => new Response(sse, { headers: { "content-type": "text/event-stream" } }),
  });
});
afterAll(() => server.stop(true));

/** Runs a translator the way the relay does and returns the client-side events. */
function relay(t: StreamTranslator, upstream: WireEvent[]): WireEvent[] {
  const out: WireEvent[] = [];
  for (const e of upstream) {
    out.push(...t.push(e));
    if (t.state !== "streaming") break;
  }
  if (t.state === "complete") out.push(...t.finish({ cost_usd: 0.01 }));
  else out.push(...t.fail(t.upstreamError ?? { type: "api_error", message: "upstream ended early" }));
  return out;
}

const anthropicUpstream = anthropicEvents([
  [
    "message_start",
    {
      message: {
        id: "msg_01X",
        type: "message",
        role: "assistant",
        model: "claude-x",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 410, cache_creation_input_tokens: 100, cache_read_input_tokens: 2048, output_tokens: 1 },
      },
    },
  ],
  ["content_block_start", { index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }],
  ["ping"],
  ["content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "User wants " } }],
  ["content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "weather." } }],
  ["content_block_delta", { index: 0, delta: { type: "signature_delta", signature: "EqQBsig==" } }],
  ["content_block_stop", { index: 0 }],
  ["content_block_start", { index: 1, content_block: { type: "text", text: "" } }],
  ["content_block_delta", { index: 1, delta: { type: "text_delta", text: "Let me look " } }],
  ["content_block_delta", { index: 1, delta: { type: "text_delta", text: "that up." } }],
  ["content_block_stop", { index: 1 }],
  ["content_block_start", { index: 2, content_block: { type: "tool_use", id: "toolu_01", name: "get_weather", input: {} } }],
  ["content_block_delta", { index: 2, delta: { type: "input_json_delta", partial_json: '{"city": "Os' } }],
  ["content_block_delta", { index: 2, delta: { type: "input_json_delta", partial_json: 'lo"}' } }],
  ["content_block_stop", { index: 2 }],
  ["content_block_start", { index: 3, content_block: { type: "tool_use", id: "toolu_02", name: "get_time", input: {} } }],
  ["content_block_delta", { index: 3, delta: { type: "input_json_delta", partial_json: '{"tz":"CET"}' } }],
  ["content_block_stop", { index: 3 }],
  ["message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 96 } }],
  ["message_stop"],
]);

const openaiUpstream = openAIChunks([
  { role: "assistant", content: null, reasoning_content: "Need the " },
  { reasoning_content: "weather." },
  { content: "Checking." },
  { tool_calls: [{ index: 0, id: "call_7", type: "function", function: { name: "get_weather", arguments: "" } }] },
  { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
  { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] },
  { finish_reason: "tool_calls" },
  {
    choices: [],
    usage: {
      prompt_tokens: 80,
      completion_tokens: 21,
      total_tokens: 101,
      prompt_tokens_details: { cached_tokens: 16 },
      completion_tokens_details: { reasoning_tokens: 5 },
    },
  },
  "[DONE]",
]);

const tools = [
  { type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: {} } } },
  { type: "function" as const, function: { name: "get_time", parameters: { type: "object", properties: {} } } },
];

function openai(): OpenAI {
  return new OpenAI({ baseURL: `${server.url.origin}/v1`, apiKey: "x", maxRetries: 0 });
}

function anthropic(): Anthropic {
  return new Anthropic({ baseURL: server.url.origin, apiKey: "x", maxRetries: 0 });
}

const chatParams = {
  model: "public-model",
  messages: [{ role: "user" as const, content: "Weather in Oslo?" }],
  tools,
  stream_options: { include_usage: true },
};
const messageParams = {
  model: "public-model",
  max_tokens: 1024,
  messages: [{ role: "user" as const, content: "Weather in Oslo?" }],
};

describe("openai SDK reads MessagesToChatStream output", () => {
  test("finalChatCompletion has tool calls, signed thinking_blocks and usage", async () => {
    sse = encodeOpenAISse(relay(new MessagesToChatStream(ctx, { includeUsage: true }), anthropicUpstream));
    const completion = await openai().chat.completions.stream(chatParams).finalChatCompletion();
    const choice = completion.choices[0]!;
    expect(completion.id).toBe("msg_01X");
    expect(completion.model).toBe("public-model");
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBe("Let me look that up.");
    expect(choice.message.tool_calls).toEqual([
      { id: "toolu_01", type: "function", function: { name: "get_weather", arguments: '{"city": "Oslo"}' } },
      { id: "toolu_02", type: "function", function: { name: "get_time", arguments: '{"tz":"CET"}' } },
    ]);
    // Sent whole once, so the SDK's overwrite of unknown delta fields keeps it intact.
    expect((choice.message as unknown as Record<string, unknown>).thinking_blocks).toEqual([
      { type: "thinking", thinking: "User wants weather.", signature: "EqQBsig==" },
    ]);
    expect(completion.usage).toMatchObject({
      prompt_tokens: 2558,
      completion_tokens: 96,
      total_tokens: 2654,
      prompt_tokens_details: { cached_tokens: 2048, cache_write_tokens: 100 },
      cost_usd: 0.01,
    });
  });

  test("an upstream error mid-stream rejects with the upstream message", async () => {
    const upstream = [
      ...anthropicUpstream.slice(0, 9),
      { event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } },
    ];
    sse = encodeOpenAISse(relay(new MessagesToChatStream(ctx, { includeUsage: true }), upstream));
    await expect(openai().chat.completions.stream(chatParams).finalChatCompletion()).rejects.toThrow("Overloaded");
  });

  test("a round trip through the Anthropic protocol still satisfies the SDK", async () => {
    const t = chainStreams(new ChatToMessagesStream(ctx), new MessagesToChatStream(ctx, { includeUsage: true }));
    sse = encodeOpenAISse(relay(t, openaiUpstream));
    const completion = await openai().chat.completions.stream(chatParams).finalChatCompletion();
    expect(completion.choices[0]!.message.tool_calls).toEqual([
      { id: "call_7", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
    ]);
    expect(completion.usage).toMatchObject({ prompt_tokens: 80, completion_tokens: 21, prompt_tokens_details: { cached_tokens: 16 } });
  });
});

describe("anthropic SDK reads ChatToMessagesStream output", () => {
  test("finalMessage has thinking, text, tool input and usage from an OpenAI upstream", async () => {
    sse = encodeAnthropicSse(relay(new ChatToMessagesStream(ctx), openaiUpstream));
    const message = await anthropic().messages.stream(messageParams).finalMessage();
    expect(message.id).toBe("chatcmpl-1");
    expect(message.model).toBe("public-model");
    expect(message.stop_reason).toBe("tool_use");
    // Widened: the SDK's block types list fields (citations, caller) a stream need not send.
    expect<unknown[]>(message.content).toEqual([
      { type: "thinking", thinking: "Need the weather.", signature: "" },
      { type: "text", text: "Checking." },
      { type: "tool_use", id: "call_7", name: "get_weather", input: { city: "Oslo" } },
    ]);
    expect(message.usage).toMatchObject({
      input_tokens: 64,
      cache_read_input_tokens: 16,
      cache_creation_input_tokens: 0,
      output_tokens: 21,
      output_tokens_details: { thinking_tokens: 5 },
    });
  });

  test("thinking signatures survive an Anthropic -> OpenAI -> Anthropic chain", async () => {
    const t = chainStreams(new MessagesToChatStream(ctx, { includeUsage: true }), new ChatToMessagesStream(ctx));
    sse = encodeAnthropicSse(relay(t, anthropicUpstream));
    const message = await anthropic().messages.stream(messageParams).finalMessage();
    expect<unknown[]>(message.content).toEqual([
      { type: "thinking", thinking: "User wants weather.", signature: "EqQBsig==" },
      { type: "text", text: "Let me look that up." },
      { type: "tool_use", id: "toolu_01", name: "get_weather", input: { city: "Oslo" } },
      { type: "tool_use", id: "toolu_02", name: "get_time", input: { tz: "CET" } },
    ]);
    expect(message.usage).toMatchObject({
      input_tokens: 410,
      cache_creation_input_tokens: 100,
      cache_read_input_tokens: 2048,
      output_tokens: 96,
    });
  });

  test("an upstream error mid-stream rejects with the upstream message", async () => {
    const upstream = openAIChunks([{ role: "assistant", content: "Hi" }, { error: { message: "Rate limited", type: "rate_limit_error" } }]);
    sse = encodeAnthropicSse(relay(new ChatToMessagesStream(ctx), upstream));
    await expect(anthropic().messages.stream(messageParams).finalMessage()).rejects.toThrow("Rate limited");
  });
});
