import { describe, expect, test } from "bun:test";
import { asRecord, type Json } from "../json.ts";
import { openAIChunks, testCtx } from "../testing.ts";
import type { WireEvent } from "../types.ts";
import { decodeThinking } from "./shared.ts";
import { ChatToResponsesStream } from "./stream.ts";
import { accumulateResponses } from "./testing.ts";

const ctx = testCtx();

/** Responses events reduced to tuples, minted ids left out. */
function compact(events: WireEvent[]): unknown[] {
  return events.map((e) => {
    const d = asRecord(e.data)!;
    const i = d.output_index;
    switch (e.event) {
      case "response.created":
      case "response.in_progress":
        return e.event.slice(9);
      case "response.output_item.added":
        return ["added", i, asRecord(d.item)?.type];
      case "response.output_item.done":
        return ["done", i, asRecord(d.item)?.status];
      case "response.content_part.added":
        return ["part", i, d.content_index, asRecord(d.part)?.type];
      case "response.content_part.done":
        return ["part.done", i, d.content_index];
      case "response.output_text.delta":
        return ["text", i, d.content_index, d.delta];
      case "response.output_text.done":
        return ["text.done", i, d.text];
      case "response.refusal.delta":
        return ["refusal", i, d.content_index, d.delta];
      case "response.refusal.done":
        return ["refusal.done", i, d.refusal];
      case "response.reasoning_text.delta":
        return ["reasoning", i, d.delta];
      case "response.reasoning_text.done":
        return ["reasoning.done", i, d.text];
      case "response.reasoning_summary_part.added":
        return ["summary_part", i, d.summary_index];
      case "response.reasoning_summary_part.done":
        return ["summary_part.done", i, d.summary_index];
      case "response.reasoning_summary_text.delta":
        return ["summary", i, d.delta];
      case "response.reasoning_summary_text.done":
        return ["summary.done", i, d.text];
      case "response.function_call_arguments.delta":
        return ["args", i, d.delta];
      case "response.function_call_arguments.done":
        return ["args.done", i, d.name, d.arguments];
      case "response.completed":
        return ["completed", asRecord(d.response)?.usage];
      case "response.incomplete":
        return ["incomplete", asRecord(d.response)?.incomplete_details];
      case "error":
        return ["error", d.code, d.message];
      case "response.failed":
        return ["failed", asRecord(d.response)?.error];
      default:
        return e.event;
    }
  });
}

function run(input: WireEvent[], opts: { extra?: Json; request?: Json } = {}) {
  const t = new ChatToResponsesStream(ctx, opts.request);
  const out: WireEvent[] = [];
  for (const e of input) {
    out.push(...t.push(e));
    if (t.state !== "streaming") break;
  }
  if (t.state === "complete") out.push(...t.finish(opts.extra));
  else out.push(...t.fail(t.upstreamError ?? { type: "api_error", message: "upstream ended early" }));
  return { t, out, acc: accumulateResponses(out) };
}

const role = { role: "assistant", content: "", refusal: null };
const usageChunk = (prompt: number, completion: number, cached = 0, reasoning = 0): Json => ({
  choices: [],
  usage: {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
    completion_tokens_details: { reasoning_tokens: reasoning },
  },
});
const usage = (input: number, output: number, cached = 0, reasoning = 0): Json => ({
  input_tokens: input,
  input_tokens_details: { cached_tokens: cached, cache_write_tokens: 0 },
  output_tokens: output,
  output_tokens_details: { reasoning_tokens: reasoning },
  total_tokens: input + output,
});
const tc = (index: number, fields: Json) => ({ tool_calls: [{ index, ...fields }] });
const head = (index: number, id: string, name = "get_weather") => tc(index, { id, type: "function", function: { name, arguments: "" } });
const args = (index: number, a: string) => tc(index, { function: { arguments: a } });
const start = ["created", "in_progress"];

interface Case {
  name: string;
  input: WireEvent[];
  request?: Json;
  extra?: Json;
  expected: unknown[];
}

const cases: Case[] = [
  {
    name: "text then a tool call (A.5 transcript)",
    input: openAIChunks([role, { content: "Checking" }, head(0, "call_7"), args(0, '{"city":'), args(0, '"Oslo"}'), { finish_reason: "tool_calls" }, usageChunk(80, 21), "[DONE]"]),
    expected: [
      ...start,
      ["added", 0, "message"],
      ["part", 0, 0, "output_text"],
      ["text", 0, 0, "Checking"],
      ["text.done", 0, "Checking"],
      ["part.done", 0, 0],
      ["done", 0, "completed"],
      ["added", 1, "function_call"],
      ["args", 1, '{"city":'],
      ["args", 1, '"Oslo"}'],
      ["args.done", 1, "get_weather", '{"city":"Oslo"}'],
      ["done", 1, "completed"],
      ["completed", usage(80, 21)],
    ],
  },
  {
    name: "plain text in several deltas; usage with cache and reasoning; extra usage fields",
    input: openAIChunks([role, { content: "Hel" }, { content: "lo" }, { finish_reason: "stop" }, usageChunk(100, 20, 60, 5), "[DONE]"]),
    extra: { cost_usd: 0.01 },
    expected: [
      ...start,
      ["added", 0, "message"],
      ["part", 0, 0, "output_text"],
      ["text", 0, 0, "Hel"],
      ["text", 0, 0, "lo"],
      ["text.done", 0, "Hello"],
      ["part.done", 0, 0],
      ["done", 0, "completed"],
      ["completed", { ...usage(100, 20, 60, 5), cost_usd: 0.01 }],
    ],
  },
  {
    name: "reasoning_content -> reasoning item with reasoning_text, then the message",
    input: openAIChunks([{ role: "assistant", content: null, reasoning_content: "Need " }, { reasoning_content: "care." }, { content: "Hi" }, { finish_reason: "stop" }, usageChunk(10, 8, 0, 3)]),
    expected: [
      ...start,
      ["added", 0, "reasoning"],
      ["part", 0, 0, "reasoning_text"],
      ["reasoning", 0, "Need "],
      ["reasoning", 0, "care."],
      ["reasoning.done", 0, "Need care."],
      ["part.done", 0, 0],
      ["done", 0, "completed"],
      ["added", 1, "message"],
      ["part", 1, 0, "output_text"],
      ["text", 1, 0, "Hi"],
      ["text.done", 1, "Hi"],
      ["part.done", 1, 0],
      ["done", 1, "completed"],
      ["completed", usage(10, 8, 0, 3)],
    ],
  },
  {
    name: "reasoning as a summary when the request asked for one (OpenRouter-style `reasoning`)",
    request: { reasoning: { effort: "medium", summary: "auto" } },
    input: openAIChunks([role, { reasoning: "Hmm." }, { content: "Yes" }, { finish_reason: "stop" }, usageChunk(1, 2)]),
    expected: [
      ...start,
      ["added", 0, "reasoning"],
      ["summary_part", 0, 0],
      ["summary", 0, "Hmm."],
      ["summary.done", 0, "Hmm."],
      ["summary_part.done", 0, 0],
      ["done", 0, "completed"],
      ["added", 1, "message"],
      ["part", 1, 0, "output_text"],
      ["text", 1, 0, "Yes"],
      ["text.done", 1, "Yes"],
      ["part.done", 1, 0],
      ["done", 1, "completed"],
      ["completed", usage(1, 2)],
    ],
  },
  {
    name: "parallel calls interleaved by the upstream stay open until the end",
    input: openAIChunks([
      role,
      head(0, "call_a"),
      head(1, "call_b", "get_time"),
      args(0, "{}"),
      args(1, '{"tz":"CET"}'),
      { finish_reason: "tool_calls" },
      usageChunk(5, 5),
    ]),
    expected: [
      ...start,
      ["added", 0, "function_call"],
      ["added", 1, "function_call"],
      ["args", 0, "{}"],
      ["args", 1, '{"tz":"CET"}'],
      ["args.done", 0, "get_weather", "{}"],
      ["done", 0, "completed"],
      ["args.done", 1, "get_time", '{"tz":"CET"}'],
      ["done", 1, "completed"],
      ["completed", usage(5, 5)],
    ],
  },
  {
    name: "every call on index 0 with fresh ids (some providers) -> separate items",
    input: openAIChunks([
      role,
      tc(0, { id: "call_a", type: "function", function: { name: "f", arguments: "{}" } }),
      tc(0, { id: "call_b", type: "function", function: { name: "g", arguments: "{}" } }),
      { finish_reason: "tool_calls" },
      usageChunk(5, 5),
    ]),
    expected: [
      ...start,
      ["added", 0, "function_call"],
      ["args", 0, "{}"],
      ["added", 1, "function_call"],
      ["args", 1, "{}"],
      ["args.done", 0, "f", "{}"],
      ["done", 0, "completed"],
      ["args.done", 1, "g", "{}"],
      ["done", 1, "completed"],
      ["completed", usage(5, 5)],
    ],
  },
  {
    name: "finish_reason length -> response.incomplete, last item incomplete",
    input: openAIChunks([role, { content: "Once upon" }, { finish_reason: "length" }, usageChunk(3, 2)]),
    expected: [
      ...start,
      ["added", 0, "message"],
      ["part", 0, 0, "output_text"],
      ["text", 0, 0, "Once upon"],
      ["text.done", 0, "Once upon"],
      ["part.done", 0, 0],
      ["done", 0, "incomplete"],
      ["incomplete", { reason: "max_output_tokens" }],
    ],
  },
  {
    name: "content_filter -> response.incomplete with content_filter",
    input: openAIChunks([role, { finish_reason: "content_filter" }, usageChunk(3, 0)]),
    expected: [...start, ["incomplete", { reason: "content_filter" }]],
  },
  {
    name: "refusal deltas -> refusal part",
    input: openAIChunks([role, { refusal: "I can't" }, { refusal: " help." }, { finish_reason: "stop" }, usageChunk(3, 2)]),
    expected: [
      ...start,
      ["added", 0, "message"],
      ["part", 0, 0, "refusal"],
      ["refusal", 0, 0, "I can't"],
      ["refusal", 0, 0, " help."],
      ["refusal.done", 0, "I can't help."],
      ["part.done", 0, 0],
      ["done", 0, "completed"],
      ["completed", usage(3, 2)],
    ],
  },
  {
    name: "content and finish_reason in one chunk (fake streaming) and no usage: [DONE] completes",
    input: openAIChunks([{ role: "assistant", content: "All at once", finish_reason: "stop" }, "[DONE]"]),
    expected: [
      ...start,
      ["added", 0, "message"],
      ["part", 0, 0, "output_text"],
      ["text", 0, 0, "All at once"],
      ["text.done", 0, "All at once"],
      ["part.done", 0, 0],
      ["done", 0, "completed"],
      ["completed", usage(0, 0)],
    ],
  },
  {
    name: "upstream error mid-stream -> error event then response.failed with the partial output",
    input: openAIChunks([role, { content: "Hi" }, { error: { message: "Rate limited", type: "rate_limit_error" } }]),
    expected: [
      ...start,
      ["added", 0, "message"],
      ["part", 0, 0, "output_text"],
      ["text", 0, 0, "Hi"],
      ["error", "rate_limit_exceeded", "Rate limited"],
      ["failed", { code: "rate_limit_exceeded", message: "Rate limited" }],
    ],
  },
  {
    name: "upstream ends before any chunk -> created, error, failed",
    input: [],
    expected: [...start, ["error", "server_error", "upstream ended early"], ["failed", { code: "server_error", message: "upstream ended early" }]],
  },
];

describe("ChatToResponsesStream", () => {
  for (const c of cases) {
    test(c.name, () => {
      const { out } = run(c.input, { extra: c.extra, request: c.request });
      expect(compact(out)).toEqual(c.expected);
    });
  }

  test("sequence numbers run 0,1,2.. across finish; created_at from the chunk; model is public", () => {
    const { out, acc } = run(openAIChunks([role, { content: "x" }, { finish_reason: "stop" }, usageChunk(1, 1)]));
    expect(out.map((e) => asRecord(e.data)?.sequence_number)).toEqual(out.map((_, i) => i));
    expect(acc.response).toMatchObject({ created_at: 1, model: "public-model", status: "completed", error: null, incomplete_details: null });
    expect(String(acc.response?.id)).toMatch(/^resp_/);
  });

  test("the final response carries the accumulated output (message and calls)", () => {
    const { acc } = run(openAIChunks([role, { content: "Checking" }, head(0, "call_7"), args(0, "{}"), { finish_reason: "tool_calls" }, usageChunk(8, 2)]));
    expect(acc.terminal).toBe("response.completed");
    const output = (acc.response?.output as Json[]).map(({ id: _id, ...rest }) => rest);
    expect(output).toEqual([
      { type: "message", status: "completed", content: [{ type: "output_text", annotations: [], logprobs: [], text: "Checking" }], role: "assistant" },
      { type: "function_call", status: "completed", arguments: "{}", call_id: "call_7", name: "get_weather" },
    ]);
  });

  test("chained Anthropic thinking: blocks become encrypted_content of the open reasoning item", () => {
    const signed = { type: "thinking", thinking: "Plan.", signature: "sig" };
    const redacted = { type: "redacted_thinking", data: "zzz" };
    const { acc } = run(
      openAIChunks([
        { role: "assistant", content: "" },
        { reasoning_content: "Plan." },
        { thinking_blocks: [signed] },
        { thinking_blocks: [signed, redacted] },
        { content: "Hi" },
        { finish_reason: "stop" },
        usageChunk(1, 1),
      ]),
    );
    const [first, second, third] = acc.response?.output as Json[];
    expect(first).toMatchObject({ type: "reasoning", content: [{ type: "reasoning_text", text: "Plan." }] });
    expect(decodeThinking(first?.encrypted_content)).toEqual([signed, redacted]);
    expect(second).toMatchObject({ type: "message" });
    expect(third).toBeUndefined();
  });

  test("a redacted block with no open reasoning item opens one of its own", () => {
    const redacted = { type: "redacted_thinking", data: "zzz" };
    const { acc } = run(openAIChunks([role, { thinking_blocks: [redacted] }, { content: "Hi" }, { finish_reason: "stop" }, usageChunk(1, 1)]));
    const [first] = acc.response?.output as Json[];
    expect(first).toMatchObject({ type: "reasoning", content: [], status: "completed" });
    expect(decodeThinking(first?.encrypted_content)).toEqual([redacted]);
  });

  test("usage repeated on every chunk is only final after the finish", () => {
    const t = new ChatToResponsesStream(ctx);
    const chunks = openAIChunks([{ ...role, usage: { prompt_tokens: 5, completion_tokens: 1 } }, { content: "x", usage: { prompt_tokens: 5, completion_tokens: 2 } }]);
    for (const c of chunks) t.push(c);
    expect(t.state).toBe("streaming");
    t.push(openAIChunks([{ finish_reason: "stop", usage: { prompt_tokens: 5, completion_tokens: 3 } }])[0]!);
    expect(t.state).toBe("complete");
    expect(t.usage()).toMatchObject({ inputTokens: 5, outputTokens: 3 });
  });

  test("nothing after finish or fail; push ignored once complete", () => {
    const { t } = run(openAIChunks([role, { finish_reason: "stop" }, usageChunk(1, 1)]));
    expect(t.finish()).toEqual([]);
    expect(t.fail({ type: "api_error", message: "late" })).toEqual([]);
    expect(t.push(openAIChunks([{ content: "late" }])[0]!)).toEqual([]);
  });

  test("usage() is null before any usage; then normalised", () => {
    const t = new ChatToResponsesStream(ctx);
    t.push(openAIChunks([role])[0]!);
    expect(t.usage()).toBeNull();
    t.push(openAIChunks([{ finish_reason: "stop" }])[0]!);
    t.push(openAIChunks([usageChunk(100, 20, 60, 5)])[0]!);
    expect(t.usage()).toEqual({ inputTokens: 40, outputTokens: 20, cacheReadTokens: 60, cacheWriteTokens: 0, reasoningTokens: 5 });
  });
});
