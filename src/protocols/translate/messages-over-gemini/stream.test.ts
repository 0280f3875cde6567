import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { TranslateContext, WireEvent } from "../types.ts";
import { geminiToMessagesResponse } from "./response.ts";
import { decodeToolUseId, TEXT_SIGNATURE_PREFIX, THOUGHT_SIGNATURE_PREFIX } from "./signatures.ts";
import { GeminiToMessagesStream } from "./stream.ts";

type Json = Record<string, unknown>;

const ctx: TranslateContext = {
  publicModel: "public-model",
  upstreamModel: "gemini-3-pro-preview",
  maxOutput: 65536,
  flags: { reasoning: true, vision: true },
};
const SIG = Buffer.from("function call signature bytes").toString("base64");
const TSIG = Buffer.from("text signature").toString("base64");

function chunk(parts: Json[], extra: { finishReason?: string; usage?: Json } = {}): WireEvent {
  const candidate: Json = { content: { role: "model", parts }, index: 0 };
  if (extra.finishReason) candidate.finishReason = extra.finishReason;
  return {
    event: "",
    data: {
      candidates: [candidate],
      usageMetadata: extra.usage ?? { promptTokenCount: 20, totalTokenCount: 20 },
      modelVersion: "gemini-3-pro-preview",
      responseId: "r1",
    },
  };
}

const FINAL_USAGE = { promptTokenCount: 20, cachedContentTokenCount: 5, candidatesTokenCount: 8, thoughtsTokenCount: 12, totalTokenCount: 40 };

/** A Gemini 3 style stream: thoughts, text, a signed call and an unsigned parallel one. */
const TOOL_STREAM: WireEvent[] = [
  chunk([{ text: "Thinking about ", thought: true }]),
  chunk([{ text: "weather.", thought: true }]),
  chunk([{ text: "Let me " }]),
  chunk([{ text: "check." }]),
  chunk(
    [
      { functionCall: { name: "get_weather", args: { city: "Oslo" } }, thoughtSignature: SIG },
      { functionCall: { name: "get_weather", args: { city: "Rome" } } },
    ],
    { finishReason: "STOP", usage: FINAL_USAGE },
  ),
];

/** A text answer whose signature arrives on an empty final part. */
const TEXT_STREAM: WireEvent[] = [
  chunk([{ text: "Hello" }]),
  chunk([{ text: " world" }]),
  chunk([{ text: "", thoughtSignature: TSIG }], { finishReason: "STOP", usage: { promptTokenCount: 20, candidatesTokenCount: 2, totalTokenCount: 22 } }),
];

function run(events: WireEvent[], extra?: Json): { out: WireEvent[]; t: GeminiToMessagesStream } {
  const t = new GeminiToMessagesStream(ctx);
  const out: WireEvent[] = [];
  for (const ev of events) out.push(...t.push(ev));
  if (t.state === "complete") out.push(...t.finish(extra));
  return { out, t };
}

const summary = (out: WireEvent[]) =>
  out.map((e) => {
    const d = e.data as Json;
    const delta = d.delta as Json | undefined;
    const block = d.content_block as Json | undefined;
    if (e.event === "content_block_start") return `start ${String(d.index)} ${String(block?.type)}`;
    if (e.event === "content_block_delta") return `delta ${String(d.index)} ${String(delta?.type)}`;
    if (e.event === "content_block_stop") return `stop ${String(d.index)}`;
    return e.event;
  });

describe("GeminiToMessagesStream: event order", () => {
  test("thoughts, text, tool calls: indices 0,1,2,3 in start order, event name = data.type", () => {
    const { out, t } = run(TOOL_STREAM);
    expect(summary(out)).toEqual([
      "message_start",
      "start 0 thinking",
      "delta 0 thinking_delta",
      "delta 0 thinking_delta",
      "delta 0 signature_delta",
      "stop 0",
      "start 1 text",
      "delta 1 text_delta",
      "delta 1 text_delta",
      "stop 1",
      "start 2 tool_use",
      "delta 2 input_json_delta",
      "stop 2",
      "start 3 tool_use",
      "delta 3 input_json_delta",
      "stop 3",
      "message_delta",
      "message_stop",
    ]);
    for (const e of out) expect((e.data as Json).type).toBe(e.event);
    expect(t.state).toBe("complete");
  });

  test("message_start: public model, input usage from the first chunk, null stop", () => {
    const { out } = run(TOOL_STREAM);
    expect(out[0]?.data).toEqual({
      type: "message_start",
      message: {
        id: "msg_r1",
        type: "message",
        role: "assistant",
        model: "public-model",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 },
      },
    });
  });

  test("tool_use: whole arguments in one delta, signature in the id", () => {
    const { out } = run(TOOL_STREAM);
    const starts = out.filter((e) => e.event === "content_block_start").map((e) => (e.data as Json).content_block as Json);
    expect(starts[2]).toMatchObject({ type: "tool_use", name: "get_weather", input: {} });
    expect(decodeToolUseId(String(starts[2]?.id))).toEqual({ signature: SIG });
    expect(decodeToolUseId(String(starts[3]?.id))).toEqual({});
    const json = out.filter((e) => (e.data as Json).delta && ((e.data as Json).delta as Json).type === "input_json_delta");
    expect(json.map((e) => ((e.data as Json).delta as Json).partial_json)).toEqual(['{"city":"Oslo"}', '{"city":"Rome"}']);
  });

  test("finish: stop_reason tool_use, final usage merged with extraUsage", () => {
    const { out } = run(TOOL_STREAM, { cost_usd: "0.00004" });
    expect(out.at(-2)?.data).toEqual({
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: {
        input_tokens: 15,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 5,
        output_tokens: 20,
        output_tokens_details: { thinking_tokens: 12 },
        cost_usd: "0.00004",
      },
    });
    expect(out.at(-1)).toEqual({ event: "message_stop", data: { type: "message_stop" } });
  });

  test("usage(): null before any usageMetadata, then the latest totals", () => {
    const t = new GeminiToMessagesStream(ctx);
    expect(t.usage()).toBeNull();
    t.push({ event: "", data: { candidates: [{ content: { parts: [{ text: "a" }] } }] } });
    expect(t.usage()).toBeNull();
    for (const ev of TOOL_STREAM) t.push(ev);
    expect(t.usage()).toEqual({ inputTokens: 15, outputTokens: 20, cacheReadTokens: 5, cacheWriteTokens: 0, reasoningTokens: 12 });
  });

  test("a text signature on a trailing empty part becomes an empty thinking block after the text", () => {
    const { out } = run(TEXT_STREAM);
    expect(summary(out)).toEqual([
      "message_start",
      "start 0 text",
      "delta 0 text_delta",
      "delta 0 text_delta",
      "stop 0",
      "start 1 thinking",
      "delta 1 signature_delta",
      "stop 1",
      "message_delta",
      "message_stop",
    ]);
    expect(out[6]?.data).toEqual({ type: "content_block_delta", index: 1, delta: { type: "signature_delta", signature: TEXT_SIGNATURE_PREFIX + TSIG } });
    expect((out.at(-2)?.data as Json).delta).toEqual({ stop_reason: "end_turn", stop_sequence: null });
  });

  test("an unsigned thought block still ends with a signature_delta (our prefix)", () => {
    const { out } = run([chunk([{ text: "hm", thought: true }]), chunk([{ text: "ok" }], { finishReason: "STOP" })]);
    expect(out[3]?.data).toEqual({ type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: THOUGHT_SIGNATURE_PREFIX } });
  });
});

describe("GeminiToMessagesStream: ends", () => {
  const cases: { name: string; events: WireEvent[]; stop: string }[] = [
    { name: "MAX_TOKENS", events: [chunk([{ text: "par" }], { finishReason: "MAX_TOKENS" })], stop: "max_tokens" },
    { name: "SAFETY", events: [chunk([{ text: "par" }]), chunk([], { finishReason: "SAFETY" })], stop: "refusal" },
    {
      name: "prompt blocked (no candidates)",
      events: [{ event: "", data: { promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 4 } } }],
      stop: "refusal",
    },
  ];
  for (const c of cases) {
    test(`${c.name} -> ${c.stop}`, () => {
      const { out, t } = run(c.events);
      expect(t.state).toBe("complete");
      expect(out[0]?.event).toBe("message_start");
      expect(((out.at(-2)?.data as Json).delta as Json).stop_reason).toBe(c.stop);
      expect(out.at(-1)?.event).toBe("message_stop");
    });
  }

  test("error object after 200: errored, upstreamError mapped, fail() gives an Anthropic error event", () => {
    const t = new GeminiToMessagesStream(ctx);
    expect(t.push(TEXT_STREAM[0] as WireEvent).length).toBeGreaterThan(0);
    const out = t.push({ event: "", data: { error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } } });
    expect(out).toEqual([]);
    expect(t.state).toBe("errored");
    expect(t.upstreamError).toEqual({ type: "overloaded_error", message: "The model is overloaded." });
    expect(t.fail({ type: "overloaded_error", message: "Overloaded" })).toEqual([
      { event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } },
    ]);
    expect(t.push(TEXT_STREAM[1] as WireEvent)).toEqual([]);
  });

  const errorTypes: [Json, string][] = [
    [{ code: 429, status: "RESOURCE_EXHAUSTED" }, "rate_limit_error"],
    [{ code: 500, status: "INTERNAL" }, "api_error"],
    [{ code: 400, status: "INVALID_ARGUMENT" }, "invalid_request_error"],
    [{ code: 504, status: "DEADLINE_EXCEEDED" }, "timeout_error"],
    [{ code: 503 }, "overloaded_error"],
    [{ code: 502 }, "api_error"],
  ];
  for (const [error, type] of errorTypes) {
    test(`error ${JSON.stringify(error)} -> ${type}`, () => {
      const t = new GeminiToMessagesStream(ctx);
      t.push({ event: "", data: { error: { ...error, message: "m" } } });
      expect(t.upstreamError?.type).toBe(type);
    });
  }

  test("nothing after complete; [DONE] and junk are ignored", () => {
    const t = new GeminiToMessagesStream(ctx);
    expect(t.push({ event: "", data: "[DONE]" })).toEqual([]);
    expect(t.push({ event: "", data: null })).toEqual([]);
    for (const ev of TEXT_STREAM) t.push(ev);
    expect(t.state).toBe("complete");
    expect(t.push(chunk([{ text: "late" }]))).toEqual([]);
  });

  test("finish() with no chunk at all still gives a well-formed message", () => {
    const t = new GeminiToMessagesStream(ctx);
    expect(summary(t.finish())).toEqual(["message_start", "message_delta", "message_stop"]);
  });
});

// ---------------------------------------------------------------------------------------------
// The official Anthropic SDK consumes the translated stream
// ---------------------------------------------------------------------------------------------

/** Gemini chunks merged into the non-streamed response they add up to. */
function merged(events: WireEvent[]): Json {
  const parts: Json[] = [];
  let last: Json = {};
  for (const ev of events) {
    const d = ev.data as Json;
    const c = (d.candidates as Json[])[0] as Json;
    parts.push(...((c.content as Json).parts as Json[]));
    last = d;
  }
  const lastCandidate = (last.candidates as Json[])[0] as Json;
  return { ...last, candidates: [{ ...lastCandidate, content: { role: "model", parts } }] };
}

describe("Anthropic SDK: messages.stream().finalMessage() over the translated stream", () => {
  let server: ReturnType<typeof Bun.serve>;
  let client: Anthropic;
  const streams: Record<string, WireEvent[]> = { tools: TOOL_STREAM, text: TEXT_STREAM };

  beforeAll(() => {
    server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        const body = (await req.json()) as { messages: { content: string }[] };
        const events = streams[body.messages[0]?.content ?? ""] ?? [];
        const t = new GeminiToMessagesStream(ctx);
        const out: WireEvent[] = [];
        for (const ev of events) out.push(...t.push(ev));
        out.push(...(t.state === "errored" ? t.fail({ type: "overloaded_error", message: "Overloaded" }) : t.finish()));
        const text = out.map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join("");
        return new Response(text, { headers: { "content-type": "text/event-stream" } });
      },
    });
    client = new Anthropic({ baseURL: `http://127.0.0.1:${server.port}`, apiKey: "k", maxRetries: 0 });
  });
  afterAll(() => server.stop(true));

  const ask = (name: string) => client.messages.stream({ model: "public-model", max_tokens: 100, messages: [{ role: "user", content: name }] });

  for (const name of Object.keys(streams)) {
    test(`${name}: finalMessage equals the non-streamed translation`, async () => {
      const final = await ask(name).finalMessage();
      const expected = geminiToMessagesResponse(merged(streams[name] ?? []), ctx);
      const strip = (blocks: unknown[]) =>
        blocks.map((b) => {
          const { citations: _c, id: _id, ...rest } = b as Json;
          return rest;
        });
      expect(strip(final.content)).toEqual(strip(expected.content as unknown[]));
      expect(String(final.stop_reason)).toBe(String(expected.stop_reason));
      expect(final.usage).toMatchObject(expected.usage as Json);
      expect(final.model).toBe("public-model");
    });
  }

  test("tool ids survive the SDK and still carry the signature", async () => {
    const final = await ask("tools").finalMessage();
    const calls = final.content.filter((b) => b.type === "tool_use");
    expect(calls.map((c) => (c.type === "tool_use" ? c.input : null))).toEqual([{ city: "Oslo" }, { city: "Rome" }]);
    expect(calls[0]?.type === "tool_use" && decodeToolUseId(calls[0].id)).toEqual({ signature: SIG });
  });
});
