// The official openai SDK against a minimal Responses relay built from these translators:
// the SDK's request goes through responsesToChatRequest, a canned chat upstream answer goes
// back through ChatToResponsesStream (SSE) or chatToResponsesResponse (JSON).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { chainStreams } from "../chain.ts";
import { MessagesToChatStream } from "../chat-over-messages/stream.ts";
import { asRecord, type Json } from "../json.ts";
import { anthropicEvents, openAIChunks, testCtx } from "../testing.ts";
import { TranslationError, type StreamTranslator, type WireEvent } from "../types.ts";
import { responsesToChatRequest } from "./request.ts";
import { chatToResponsesResponse } from "./response.ts";
import { decodeThinking } from "./shared.ts";
import { ChatToResponsesStream } from "./stream.ts";
import { encodeResponsesSse } from "./testing.ts";

const ctx = testCtx();

interface Upstream {
  chunks: WireEvent[];
  completion?: Json;
  /** The translator chain for a client request (default: ChatToResponsesStream alone). */
  translator?: (request: Json) => StreamTranslator;
}

let upstream: Upstream = { chunks: [] };
let chatRequest: Json | null = null;
let server: ReturnType<typeof Bun.serve>;

/** Runs a translator the way the relay does and returns the client-side events. */
function relay(t: StreamTranslator, events: WireEvent[]): WireEvent[] {
  const out: WireEvent[] = [];
  for (const e of events) {
    out.push(...t.push(e));
    if (t.state !== "streaming") break;
  }
  if (t.state === "complete") out.push(...t.finish({ cost_usd: 0.01 }));
  else out.push(...t.fail(t.upstreamError ?? { type: "api_error", message: "upstream ended early" }));
  return out;
}

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    async fetch(req) {
      const body = asRecord(await req.json()) ?? {};
      try {
        chatRequest = responsesToChatRequest(body, ctx);
      } catch (e) {
        if (!(e instanceof TranslationError)) throw e;
        const error = { message: e.message, type: "invalid_request_error", param: e.param, code: null };
        return Response.json({ error }, { status: 400 });
      }
      if (body.stream !== true) return Response.json(chatToResponsesResponse(upstream.completion ?? {}, ctx, body, { cost_usd: 0.01 }));
      const t = upstream.translator?.(body) ?? new ChatToResponsesStream(ctx, body);
      return new Response(encodeResponsesSse(relay(t, upstream.chunks)), { headers: { "content-type": "text/event-stream" } });
    },
  });
});
afterAll(() => server.stop(true));

function client(): OpenAI {
  return new OpenAI({ baseURL: `${server.url.origin}/v1`, apiKey: "x", maxRetries: 0 });
}

const weather = {
  type: "function" as const,
  name: "get_weather",
  description: "Weather for a city",
  strict: true,
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
};
const time = { type: "function" as const, name: "get_time", strict: false, parameters: { type: "object", properties: {} } };
const params = { model: "public-model", instructions: "Answer tersely.", input: "Weather in Oslo?", tools: [weather, time] };

const usageChunk = {
  choices: [],
  usage: {
    prompt_tokens: 80,
    completion_tokens: 21,
    total_tokens: 101,
    prompt_tokens_details: { cached_tokens: 16 },
    completion_tokens_details: { reasoning_tokens: 5 },
  },
};
const expectedUsage = {
  input_tokens: 80,
  input_tokens_details: { cached_tokens: 16, cache_write_tokens: 0 },
  output_tokens: 21,
  output_tokens_details: { reasoning_tokens: 5 },
  total_tokens: 101,
  cost_usd: 0.01,
};

const toolTurn = openAIChunks([
  { role: "assistant", content: null, reasoning_content: "Need the " },
  { reasoning_content: "weather." },
  { content: "Checking." },
  { tool_calls: [{ index: 0, id: "call_7", type: "function", function: { name: "get_weather", arguments: "" } }] },
  { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
  { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] },
  { tool_calls: [{ index: 1, id: "call_8", type: "function", function: { name: "get_time", arguments: "{}" } }] },
  { finish_reason: "tool_calls" },
  usageChunk,
  "[DONE]",
]);

const toolCompletion: Json = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1760000000,
  model: "up",
  choices: [
    {
      index: 0,
      finish_reason: "tool_calls",
      message: {
        role: "assistant",
        content: "Checking.",
        reasoning_content: "Need the weather.",
        tool_calls: [
          { id: "call_7", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
          { id: "call_8", type: "function", function: { name: "get_time", arguments: "{}" } },
        ],
      },
    },
  ],
  usage: usageChunk.usage,
};

/** Output items replayed as the next request's input, as clients do (the SDK types them apart). */
function replay(output: unknown[]): OpenAI.Responses.ResponseInput {
  return output as OpenAI.Responses.ResponseInput;
}

/** Output items as the SDK returns them, minus the minted ids. */
function withoutIds(output: unknown[]): Json[] {
  return output.map((raw) => {
    const { id: _id, ...rest } = asRecord(raw) ?? {};
    return rest;
  });
}

const expectedOutput = [
  { type: "reasoning", summary: [], content: [{ type: "reasoning_text", text: "Need the weather." }], status: "completed" },
  {
    type: "message",
    status: "completed",
    content: [{ type: "output_text", annotations: [], logprobs: [], text: "Checking.", parsed: null }],
    role: "assistant",
  },
  // strict tools get parsed_arguments from the SDK; others null.
  { type: "function_call", status: "completed", arguments: '{"city":"Oslo"}', call_id: "call_7", name: "get_weather", parsed_arguments: { city: "Oslo" } },
  { type: "function_call", status: "completed", arguments: "{}", call_id: "call_8", name: "get_time", parsed_arguments: null },
];

describe("openai SDK over the responses-over-chat translators", () => {
  test("responses.stream().finalResponse(): reasoning, output_text, function calls, usage", async () => {
    upstream = { chunks: toolTurn };
    const response = await client().responses.stream(params).finalResponse();
    expect(response.status).toBe("completed");
    expect(response.model).toBe("public-model");
    expect(response.output_text).toBe("Checking.");
    expect(withoutIds(response.output)).toEqual(expectedOutput);
    expect(response.usage).toEqual(expectedUsage);
    expect(response.instructions).toBe("Answer tersely.");
    expect(chatRequest).toMatchObject({
      model: "upstream-model",
      messages: [
        { role: "system", content: "Answer tersely." },
        { role: "user", content: "Weather in Oslo?" },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  test("streamed events: delta snapshots, sequence numbers and event order the SDK emits", async () => {
    upstream = { chunks: toolTurn };
    const stream = client().responses.stream(params);
    const snapshots: string[] = [];
    const argSnapshots: string[] = [];
    stream.on("response.output_text.delta", (e) => snapshots.push(e.snapshot));
    stream.on("response.function_call_arguments.delta", (e) => argSnapshots.push(e.snapshot));
    const seqs: number[] = [];
    for await (const event of stream) seqs.push(event.sequence_number);
    expect(seqs).toEqual(seqs.map((_, i) => i));
    expect(snapshots).toEqual(["Checking."]);
    expect(argSnapshots).toEqual(['{"city":', '{"city":"Oslo"}', "{}"]);
  });

  test("responses.create({stream:false}) reads the translated chat.completion", async () => {
    upstream = { chunks: [], completion: toolCompletion };
    const response = await client().responses.create({ ...params, stream: false });
    expect(response.object).toBe("response");
    expect(response.status).toBe("completed");
    expect(response.output_text).toBe("Checking.");
    const output = withoutIds(response.output).map(({ parsed_arguments: _p, ...item }) => item);
    expect(output).toEqual(
      expectedOutput.map(({ parsed_arguments: _p, ...item }) =>
        item.type === "message" ? { ...item, content: [{ type: "output_text", annotations: [], logprobs: [], text: "Checking." }] } : item,
      ),
    );
    expect(response.usage).toEqual(expectedUsage);
    expect(chatRequest).not.toHaveProperty("stream");
  });

  test("a function_call_output turn round-trips: the SDK's own output items as the next input", async () => {
    upstream = { chunks: toolTurn };
    const first = await client().responses.stream(params).finalResponse();
    upstream = {
      chunks: openAIChunks([{ role: "assistant", content: "4 °C." }, { finish_reason: "stop" }, usageChunk]),
    };
    const calls = first.output.filter((o) => o.type === "function_call");
    const second = await client()
      .responses.stream({
        ...params,
        input: [
          { role: "user", content: "Weather in Oslo?" },
          ...replay(first.output),
          ...calls.map((c) => ({ type: "function_call_output" as const, call_id: c.call_id, output: '{"temp_c":4}' })),
        ],
      })
      .finalResponse();
    expect(second.output_text).toBe("4 °C.");
    expect(chatRequest?.messages).toEqual([
      { role: "system", content: "Answer tersely." },
      { role: "user", content: "Weather in Oslo?" },
      {
        role: "assistant",
        content: "Checking.",
        tool_calls: [
          { id: "call_7", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
          { id: "call_8", type: "function", function: { name: "get_time", arguments: "{}" } },
        ],
      },
      { role: "tool", tool_call_id: "call_7", content: '{"temp_c":4}' },
      { role: "tool", tool_call_id: "call_8", content: '{"temp_c":4}' },
    ]);
  });

  test("reasoning.summary requested: reasoning arrives as a summary", async () => {
    upstream = { chunks: toolTurn };
    const response = await client()
      .responses.stream({ ...params, reasoning: { effort: "low", summary: "auto" } })
      .finalResponse();
    expect(withoutIds(response.output)[0]).toEqual({ type: "reasoning", summary: [{ type: "summary_text", text: "Need the weather." }], status: "completed" });
    expect(chatRequest?.reasoning_effort).toBe("low");
  });

  test("max tokens reached: response.incomplete is the final response", async () => {
    upstream = { chunks: openAIChunks([{ role: "assistant", content: "Once upon" }, { finish_reason: "length" }, usageChunk]) };
    const response = await client().responses.stream({ ...params, max_output_tokens: 16 }).finalResponse();
    expect(response.status).toBe("incomplete");
    expect(response.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(response.output_text).toBe("Once upon");
    expect(chatRequest?.max_completion_tokens).toBe(16);
  });

  test("an upstream error mid-stream: the stream helper rejects; raw streams see error then response.failed", async () => {
    upstream = { chunks: openAIChunks([{ role: "assistant", content: "Hi" }, { error: { message: "Rate limited", type: "rate_limit_error" } }]) };
    // ResponseStream treats an `error` event as the end of the stream and rejects with it.
    const err = await client().responses.stream(params).finalResponse().catch((e: unknown) => e);
    expect(err).toMatchObject({ type: "error", code: "rate_limit_exceeded", message: "Rate limited" });

    const raw = await client().responses.create({ ...params, stream: true });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of raw) events.push(event);
    expect(events.slice(-2).map((e) => e.type)).toEqual(["error", "response.failed"]);
    const failed = events.at(-1);
    if (failed?.type !== "response.failed") throw new Error("unreachable");
    expect(failed.response.status).toBe("failed");
    expect(failed.response.error).toEqual({ code: "rate_limit_exceeded", message: "Rate limited" });
    expect(withoutIds(failed.response.output)).toEqual([
      { type: "message", status: "incomplete", content: [{ type: "output_text", annotations: [], logprobs: [], text: "Hi" }], role: "assistant" },
    ]);
  });

  test("a built-in tool is refused with a 400 the SDK raises as BadRequestError", async () => {
    const err = await client()
      .responses.create({ model: "public-model", input: "Hi", tools: [{ type: "web_search" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("built-in tool web_search is only available on OpenAI models");
  });

  test("Anthropic upstream chained through chat: signed thinking survives as encrypted_content", async () => {
    const anthropic = anthropicEvents([
      ["message_start", { message: { id: "msg_01", type: "message", role: "assistant", model: "claude-x", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 50, output_tokens: 1 } } }],
      ["content_block_start", { index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }],
      ["content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "User wants weather." } }],
      ["content_block_delta", { index: 0, delta: { type: "signature_delta", signature: "EqQBsig==" } }],
      ["content_block_stop", { index: 0 }],
      ["content_block_start", { index: 1, content_block: { type: "tool_use", id: "toolu_01", name: "get_weather", input: {} } }],
      ["content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: '{"city":"Oslo"}' } }],
      ["content_block_stop", { index: 1 }],
      ["message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 30 } }],
      ["message_stop"],
    ]);
    upstream = {
      chunks: anthropic,
      translator: (request) => chainStreams(new MessagesToChatStream(ctx, { includeUsage: true }), new ChatToResponsesStream(ctx, request)),
    };
    const first = await client().responses.stream(params).finalResponse();
    const [reasoning, call] = first.output;
    expect(reasoning?.type).toBe("reasoning");
    if (reasoning?.type !== "reasoning") throw new Error("unreachable");
    expect(reasoning.content).toEqual([{ type: "reasoning_text", text: "User wants weather." }]);
    expect(decodeThinking(reasoning.encrypted_content)).toEqual([{ type: "thinking", thinking: "User wants weather.", signature: "EqQBsig==" }]);
    expect(call).toMatchObject({ type: "function_call", call_id: "toolu_01", name: "get_weather", arguments: '{"city":"Oslo"}' });
    expect(first.usage).toMatchObject({ input_tokens: 50, output_tokens: 30, total_tokens: 80 });

    // Replaying the output carries the signed block back to the (chat -> Anthropic) upstream.
    upstream = { chunks: openAIChunks([{ role: "assistant", content: "4 °C." }, { finish_reason: "stop" }, usageChunk]) };
    await client()
      .responses.stream({
        ...params,
        input: [{ role: "user", content: "Weather in Oslo?" }, ...replay(first.output), { type: "function_call_output", call_id: "toolu_01", output: "4" }],
      })
      .finalResponse();
    expect(chatRequest?.messages).toContainEqual({
      role: "assistant",
      content: null,
      reasoning_content: "User wants weather.",
      thinking_blocks: [{ type: "thinking", thinking: "User wants weather.", signature: "EqQBsig==" }],
      tool_calls: [{ id: "toolu_01", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }],
    });
  });
});
