import { describe, expect, test } from "bun:test";
import type { TranslateContext } from "../types.ts";
import { messagesToGeminiRequest } from "./request.ts";
import { geminiToMessagesResponse } from "./response.ts";
import { decodeToolUseId, TEXT_SIGNATURE_PREFIX, THOUGHT_SIGNATURE_PREFIX } from "./signatures.ts";

type Json = Record<string, unknown>;

const ctx: TranslateContext = {
  publicModel: "public-model",
  upstreamModel: "gemini-2.5-flash",
  maxOutput: 65536,
  flags: { reasoning: true, vision: true },
};
const SIG = Buffer.from("a gemini thought signature!").toString("base64");

function gemini(parts: Json[], finishReason: string | undefined = "STOP", usage: Json = { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 }): Json {
  const candidate: Json = { content: { role: "model", parts }, index: 0 };
  if (finishReason) candidate.finishReason = finishReason;
  return { candidates: [candidate], usageMetadata: usage, modelVersion: "gemini-2.5-flash-001", responseId: "resp-1" };
}

describe("geminiToMessagesResponse: envelope", () => {
  test("message fields: id from responseId, public model, no upstream model", () => {
    const msg = geminiToMessagesResponse(gemini([{ text: "Hello" }]), ctx);
    expect(msg).toEqual({
      id: "msg_resp-1",
      type: "message",
      role: "assistant",
      model: "public-model",
      content: [{ type: "text", text: "Hello", citations: null }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: {
        input_tokens: 10,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 5,
        output_tokens_details: { thinking_tokens: 0 },
      },
    });
    expect(JSON.stringify(msg)).not.toContain("gemini");
  });

  test("no responseId: a generated msg_ id", () => {
    const { responseId: _r, ...rest } = gemini([{ text: "x" }]);
    expect(String(geminiToMessagesResponse(rest, ctx).id)).toMatch(/^msg_[0-9a-f]{24}$/);
  });
});

describe("geminiToMessagesResponse: stop reasons", () => {
  const cases: { finish: string | undefined; parts?: Json[]; want: string }[] = [
    { finish: "STOP", want: "end_turn" },
    { finish: "STOP", parts: [{ functionCall: { name: "f", args: {} } }], want: "tool_use" },
    { finish: "MAX_TOKENS", want: "max_tokens" },
    { finish: "CONTINUATION", want: "max_tokens" },
    { finish: "SAFETY", want: "refusal" },
    { finish: "RECITATION", want: "refusal" },
    { finish: "PROHIBITED_CONTENT", want: "refusal" },
    { finish: "BLOCKLIST", want: "refusal" },
    { finish: "SPII", want: "refusal" },
    { finish: "OTHER", want: "refusal" },
    { finish: "LANGUAGE", want: "refusal" },
    { finish: "IMAGE_SAFETY", want: "refusal" },
    { finish: "MALFORMED_FUNCTION_CALL", parts: [], want: "end_turn" },
    { finish: "UNEXPECTED_TOOL_CALL", parts: [], want: "end_turn" },
    { finish: "TOO_MANY_TOOL_CALLS", parts: [], want: "end_turn" },
    { finish: "FINISH_REASON_UNSPECIFIED", want: "end_turn" },
    { finish: undefined, want: "end_turn" },
  ];
  for (const c of cases) {
    test(`${String(c.finish)}${c.parts?.length ? " with a call" : ""} -> ${c.want}`, () => {
      const msg = geminiToMessagesResponse(gemini(c.parts ?? [{ text: "x" }], c.finish), ctx);
      expect(msg.stop_reason).toBe(c.want);
    });
  }

  test("prompt blocked: refusal with empty content and the prompt's usage", () => {
    const msg = geminiToMessagesResponse(
      { promptFeedback: { blockReason: "PROHIBITED_CONTENT" }, usageMetadata: { promptTokenCount: 7, totalTokenCount: 7 }, modelVersion: "m" },
      ctx,
    );
    expect(msg.content).toEqual([]);
    expect(msg.stop_reason).toBe("refusal");
    expect(msg.usage).toMatchObject({ input_tokens: 7, output_tokens: 0 });
  });

  test("candidate without content (blocked answer)", () => {
    const msg = geminiToMessagesResponse({ candidates: [{ finishReason: "SAFETY", index: 0 }], usageMetadata: { promptTokenCount: 3 } }, ctx);
    expect(msg.content).toEqual([]);
    expect(msg.stop_reason).toBe("refusal");
  });
});

describe("geminiToMessagesResponse: usage", () => {
  const cases: { name: string; usage: Json; want: Json }[] = [
    {
      name: "cached part of the prompt is a cache read",
      usage: { promptTokenCount: 1000, cachedContentTokenCount: 800, candidatesTokenCount: 50, totalTokenCount: 1050 },
      want: { input_tokens: 200, cache_read_input_tokens: 800, cache_creation_input_tokens: 0, output_tokens: 50, output_tokens_details: { thinking_tokens: 0 } },
    },
    {
      name: "thoughts are output",
      usage: { promptTokenCount: 300, candidatesTokenCount: 7, thoughtsTokenCount: 55, totalTokenCount: 362 },
      want: { input_tokens: 300, cache_read_input_tokens: 0, output_tokens: 62, output_tokens_details: { thinking_tokens: 55 } },
    },
    {
      name: "tool-use prompt tokens are input",
      usage: { promptTokenCount: 100, toolUsePromptTokenCount: 20, candidatesTokenCount: 1 },
      want: { input_tokens: 120, output_tokens: 1 },
    },
    { name: "no usageMetadata: zeros", usage: {}, want: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0 } },
  ];
  for (const c of cases) {
    test(c.name, () => expect(geminiToMessagesResponse(gemini([{ text: "x" }], "STOP", c.usage), ctx).usage).toMatchObject(c.want));
  }
});

describe("geminiToMessagesResponse: content", () => {
  test("thoughts, text, signed and unsigned calls; ids decode back to the signature", () => {
    const msg = geminiToMessagesResponse(
      gemini([
        { text: "Let me ", thought: true },
        { text: "think.", thought: true },
        { text: "Looking up." },
        { functionCall: { name: "get_weather", args: { city: "Oslo" } }, thoughtSignature: SIG },
        { functionCall: { name: "get_weather", args: { city: "Rome" } } },
        { functionCall: { name: "lookup", args: { q: 1 }, id: "fc_9" } },
      ]),
      ctx,
    );
    const content = msg.content as Json[];
    expect(content.map((b) => b.type)).toEqual(["thinking", "text", "tool_use", "tool_use", "tool_use"]);
    expect(content[0]).toEqual({ type: "thinking", thinking: "Let me think.", signature: THOUGHT_SIGNATURE_PREFIX });
    expect(content[1]).toEqual({ type: "text", text: "Looking up.", citations: null });
    expect(content[2]).toMatchObject({ name: "get_weather", input: { city: "Oslo" } });
    expect(decodeToolUseId(String(content[2]?.id))).toEqual({ signature: SIG });
    expect(String(content[3]?.id)).toMatch(/^toolu_01[A-Za-z0-9]{22}$/);
    expect(decodeToolUseId(String(content[4]?.id))).toEqual({ callId: "fc_9" });
    expect(msg.stop_reason).toBe("tool_use");
  });

  test("a signed thought seals its block; the next thought starts another", () => {
    const msg = geminiToMessagesResponse(
      gemini([
        { text: "one", thought: true, thoughtSignature: SIG },
        { text: "two", thought: true },
        { text: "", thought: true, thoughtSignature: "U0lHMg==" },
        { text: "answer" },
      ]),
      ctx,
    );
    expect(msg.content).toEqual([
      { type: "thinking", thinking: "one", signature: `${THOUGHT_SIGNATURE_PREFIX}${SIG}` },
      { type: "thinking", thinking: "two", signature: `${THOUGHT_SIGNATURE_PREFIX}U0lHMg==` },
      { type: "text", text: "answer", citations: null },
    ]);
  });

  test("a text part's signature follows the text in an empty thinking block", () => {
    const msg = geminiToMessagesResponse(gemini([{ text: "Hello " }, { text: "world", thoughtSignature: SIG }]), ctx);
    expect(msg.content).toEqual([
      { type: "text", text: "Hello world", citations: null },
      { type: "thinking", thinking: "", signature: `${TEXT_SIGNATURE_PREFIX}${SIG}` },
    ]);
  });

  test("parts without an Anthropic counterpart are dropped", () => {
    const msg = geminiToMessagesResponse(
      gemini([{ inlineData: { mimeType: "image/png", data: "AAAA" } }, { executableCode: { language: "PYTHON", code: "1" } }, { text: "" }, { text: "ok" }]),
      ctx,
    );
    expect(msg.content).toEqual([{ type: "text", text: "ok", citations: null }]);
  });

  test("round trip: the response, sent back as history, restores every signature on its part", () => {
    const parts = [
      { text: "hmm", thought: true, thoughtSignature: "VEhPVUdIVA==" },
      { text: "Calling." },
      { functionCall: { name: "f", args: { a: 1 } }, thoughtSignature: SIG },
      { functionCall: { name: "g", args: {}, id: "fc_2" } },
    ];
    const msg = geminiToMessagesResponse(gemini(parts), ctx);
    const content = msg.content as Json[];
    const calls = content.filter((b) => b.type === "tool_use");
    const next = messagesToGeminiRequest(
      {
        max_tokens: 10,
        messages: [
          { role: "user", content: "go" },
          { role: "assistant", content },
          { role: "user", content: calls.map((c) => ({ type: "tool_result", tool_use_id: c.id, content: "done" })) },
        ],
      },
      { ...ctx, upstreamModel: "gemini-3-pro-preview" },
    );
    const contents = next.contents as Json[];
    expect(contents[1]).toEqual({ role: "model", parts });
    expect(contents[2]).toEqual({
      role: "user",
      parts: [
        { functionResponse: { name: "f", response: { output: "done" } } },
        { functionResponse: { name: "g", response: { output: "done" }, id: "fc_2" } },
      ],
    });
  });
});
