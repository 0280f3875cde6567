import { describe, expect, test } from "bun:test";
import { chainStreams } from "./chain.ts";
import { MessagesToChatStream } from "./chat-over-messages/stream.ts";
import { ChatToMessagesStream } from "./messages-over-chat/stream.ts";
import { accumulateChat, accumulateMessages, anthropicEvents, openAIChunks, testCtx } from "./testing.ts";
import type { StreamTranslator, WireEvent } from "./types.ts";

const ctx = testCtx();

const anthropicUpstream = anthropicEvents([
  ["message_start", { message: { id: "msg_1", usage: { input_tokens: 7, cache_read_input_tokens: 3, output_tokens: 1 } } }],
  ["content_block_start", { index: 0, content_block: { type: "thinking", thinking: "" } }],
  ["content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "hm" } }],
  ["content_block_delta", { index: 0, delta: { type: "signature_delta", signature: "SIG" } }],
  ["content_block_stop", { index: 0 }],
  ["content_block_start", { index: 1, content_block: { type: "tool_use", id: "toolu_1", name: "f", input: {} } }],
  ["content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: '{"a":' } }],
  ["content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: "1}" } }],
  ["content_block_stop", { index: 1 }],
  ["message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 9 } }],
  ["message_stop"],
]);

function drive(t: StreamTranslator, events: WireEvent[], extra?: Record<string, unknown>): WireEvent[] {
  const out: WireEvent[] = [];
  for (const e of events) {
    out.push(...t.push(e));
    if (t.state !== "streaming") break;
  }
  if (t.state === "complete") out.push(...t.finish(extra));
  else out.push(...t.fail(t.upstreamError ?? { type: "api_error", message: "ended early" }));
  return out;
}

interface Case {
  name: string;
  build: () => StreamTranslator;
  input: WireEvent[];
  check: (out: WireEvent[], t: StreamTranslator) => void;
}

const cases: Case[] = [
  {
    name: "Anthropic -> OpenAI -> Anthropic keeps thinking signature, tool input, usage",
    build: () => chainStreams(new MessagesToChatStream(ctx, { includeUsage: true }), new ChatToMessagesStream(ctx)),
    input: anthropicUpstream,
    check: (out, t) => {
      const { message } = accumulateMessages(out);
      expect(message).toMatchObject({
        id: "msg_1",
        model: "public-model",
        stop_reason: "tool_use",
        content: [
          { type: "thinking", thinking: "hm", signature: "SIG" },
          { type: "tool_use", id: "toolu_1", name: "f", input: { a: 1 } },
        ],
        usage: { input_tokens: 7, cache_read_input_tokens: 3, output_tokens: 9, cost_usd: 1 },
      });
      expect(t.usage()).toEqual({ inputTokens: 7, outputTokens: 9, cacheReadTokens: 3, cacheWriteTokens: 0, reasoningTokens: 0 });
    },
  },
  {
    name: "OpenAI -> Anthropic -> OpenAI keeps text, tool calls and usage",
    build: () => chainStreams(new ChatToMessagesStream(ctx), new MessagesToChatStream(ctx, { includeUsage: true })),
    input: openAIChunks([
      { role: "assistant", content: "" },
      { content: "Hi" },
      { tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }] },
      { finish_reason: "tool_calls" },
      { choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 2 } } },
      "[DONE]",
    ]),
    check: (out) => {
      const result = accumulateChat(out);
      expect(result.message).toMatchObject({
        role: "assistant",
        content: "Hi",
        tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }],
      });
      expect(result.finishReason).toBe("tool_calls");
      expect(result.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 2 }, cost_usd: 1 });
      expect(result.done).toBe(true);
    },
  },
  {
    name: "an upstream error in the first stage surfaces as the second stage's error event",
    build: () => chainStreams(new MessagesToChatStream(ctx, { includeUsage: false }), new ChatToMessagesStream(ctx)),
    input: [
      ...anthropicUpstream.slice(0, 3),
      { event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } },
    ],
    check: (out, t) => {
      expect(t.state).toBe("errored");
      expect(t.upstreamError).toEqual({ type: "overloaded_error", message: "Overloaded" });
      expect(out.at(-1)).toEqual({ event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } });
      expect(accumulateMessages(out).error).toEqual({ type: "overloaded_error", message: "Overloaded" });
    },
  },
  {
    name: "chains nest: three stages behave like one",
    build: () =>
      chainStreams(
        chainStreams(new MessagesToChatStream(ctx, { includeUsage: true }), new ChatToMessagesStream(ctx)),
        new MessagesToChatStream(ctx, { includeUsage: true }),
      ),
    input: anthropicUpstream,
    check: (out) => {
      const result = accumulateChat(out);
      expect(result.message.thinking_blocks).toEqual([{ type: "thinking", thinking: "hm", signature: "SIG" }]);
      expect(result.message.tool_calls).toEqual([{ id: "toolu_1", type: "function", function: { name: "f", arguments: '{"a":1}' } }]);
      expect(result.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 9, cost_usd: 1 });
    },
  },
];

describe("chainStreams", () => {
  test.each(cases)("$name", ({ build, input, check }) => {
    const t = build();
    check(drive(t, input, { cost_usd: 1 }), t);
  });

  test("state stays streaming until the second stage can close", () => {
    const t = chainStreams(new MessagesToChatStream(ctx, { includeUsage: true }), new ChatToMessagesStream(ctx));
    for (const e of anthropicUpstream.slice(0, -1)) {
      t.push(e);
      expect(t.state).toBe("streaming");
    }
    t.push(anthropicUpstream.at(-1)!);
    expect(t.state).toBe("complete");
    expect(t.push(anthropicUpstream[0]!)).toEqual([]);
  });
});
