import { describe, expect, test } from "bun:test";
import { TranslationError, type TranslateContext } from "../types.ts";
import { canDisableThinking, guessImageMime, messagesToGeminiRequest, requiresSignatures } from "./request.ts";
import { encodeToolUseId, SKIP_SIGNATURE, TEXT_SIGNATURE_PREFIX, THOUGHT_SIGNATURE_PREFIX } from "./signatures.ts";

type Body = Record<string, unknown>;

function ctx(upstreamModel = "gemini-2.5-flash", reasoning = true): TranslateContext {
  return { publicModel: "public-model", upstreamModel, maxOutput: 65536, flags: { reasoning, vision: true } };
}

const user = (content: unknown) => ({ role: "user", content });
const assistant = (content: unknown) => ({ role: "assistant", content });
const base = (extra: Body = {}): Body => ({ model: "public-model", max_tokens: 100, messages: [user("hi")], ...extra });
const SIG = Buffer.from("opaque signature bytes, 32 long!").toString("base64");

describe("messagesToGeminiRequest: shape", () => {
  const cases: { name: string; body: Body; ctx?: TranslateContext; want: Body }[] = [
    {
      name: "minimal: no model, no stream, maxOutputTokens",
      body: base({ stream: true, metadata: { user_id: "u" }, service_tier: "auto" }),
      want: { contents: [{ role: "user", parts: [{ text: "hi" }] }], generationConfig: { maxOutputTokens: 100 } },
    },
    {
      name: "max_tokens absent: the model's output limit",
      body: { messages: [user("hi")] },
      want: { contents: [{ role: "user", parts: [{ text: "hi" }] }], generationConfig: { maxOutputTokens: 65536 } },
    },
    {
      name: "system string",
      body: base({ system: "Be brief." }),
      want: { systemInstruction: { parts: [{ text: "Be brief." }] } },
    },
    {
      name: "system blocks, cache_control dropped",
      body: base({ system: [{ type: "text", text: "A" }, { type: "text", text: "B", cache_control: { type: "ephemeral" } }] }),
      want: { systemInstruction: { parts: [{ text: "A" }, { text: "B" }] } },
    },
    {
      name: "sampling knobs and stop sequences",
      body: base({ temperature: 0.3, top_p: 0.9, top_k: 40, stop_sequences: ["END", "STOP"] }),
      want: { generationConfig: { maxOutputTokens: 100, temperature: 0.3, topP: 0.9, topK: 40, stopSequences: ["END", "STOP"] } },
    },
    {
      name: "roles, text blocks, consecutive same-role turns merged, empty turns skipped",
      body: base({
        messages: [
          user([{ type: "text", text: "a", cache_control: { type: "ephemeral" } }]),
          user("b"),
          assistant(""),
          assistant([{ type: "text", text: "c", citations: null }]),
          user("d"),
        ],
      }),
      want: {
        contents: [
          { role: "user", parts: [{ text: "a" }, { text: "b" }] },
          { role: "model", parts: [{ text: "c" }] },
          { role: "user", parts: [{ text: "d" }] },
        ],
      },
    },
    {
      name: "images: base64 -> inlineData, url -> fileData with guessed mime",
      body: base({
        messages: [
          user([
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBOR" } },
            { type: "image", source: { type: "url", url: "https://x.test/cat.JPG?size=2" } },
            { type: "image", source: { type: "url", url: "https://x.test/render" } },
            { type: "text", text: "what?" },
          ]),
        ],
      }),
      want: {
        contents: [
          {
            role: "user",
            parts: [
              { inlineData: { mimeType: "image/png", data: "iVBOR" } },
              { fileData: { mimeType: "image/jpeg", fileUri: "https://x.test/cat.JPG?size=2" } },
              { fileData: { mimeType: "image/*", fileUri: "https://x.test/render" } },
              { text: "what?" },
            ],
          },
        ],
      },
    },
    {
      name: "documents: PDF base64 and url, plain text, content blocks",
      body: base({
        messages: [
          user([
            { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBE" }, title: "spec", citations: { enabled: true } },
            { type: "document", source: { type: "url", url: "https://x.test/a.pdf" } },
            { type: "document", source: { type: "text", media_type: "text/plain", data: "plain doc" } },
            { type: "document", source: { type: "content", content: [{ type: "text", text: "inner" }] } },
          ]),
        ],
      }),
      want: {
        contents: [
          {
            role: "user",
            parts: [
              { inlineData: { mimeType: "application/pdf", data: "JVBE" } },
              { fileData: { mimeType: "application/pdf", fileUri: "https://x.test/a.pdf" } },
              { text: "plain doc" },
              { text: "inner" },
            ],
          },
        ],
      },
    },
    {
      name: "tools and tool_choice auto",
      body: base({
        tools: [
          { name: "get_weather", description: "Weather", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }, cache_control: { type: "ephemeral" } },
          { type: "custom", name: "noop", input_schema: { type: "object", properties: {} }, strict: true },
        ],
        tool_choice: { type: "auto", disable_parallel_tool_use: true },
      }),
      want: {
        tools: [
          {
            functionDeclarations: [
              { name: "get_weather", description: "Weather", parametersJsonSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
              { name: "noop", parametersJsonSchema: { type: "object", properties: {} } },
            ],
          },
        ],
        toolConfig: { functionCallingConfig: { mode: "AUTO" } },
      },
    },
    {
      name: "tool_choice any",
      body: base({ tools: [{ name: "t", input_schema: { type: "object" } }], tool_choice: { type: "any" } }),
      want: { toolConfig: { functionCallingConfig: { mode: "ANY" } } },
    },
    {
      name: "tool_choice tool",
      body: base({ tools: [{ name: "t", input_schema: { type: "object" } }], tool_choice: { type: "tool", name: "t" } }),
      want: { toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["t"] } } },
    },
    {
      name: "tool_choice none",
      body: base({ tools: [{ name: "t", input_schema: { type: "object" } }], tool_choice: { type: "none" } }),
      want: { toolConfig: { functionCallingConfig: { mode: "NONE" } } },
    },
    {
      name: "structured output",
      body: base({ output_config: { format: { type: "json_schema", schema: { type: "object", properties: { a: { type: "number" } } } } } }),
      want: {
        generationConfig: {
          maxOutputTokens: 100,
          responseMimeType: "application/json",
          responseJsonSchema: { type: "object", properties: { a: { type: "number" } } },
        },
      },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const out = messagesToGeminiRequest(c.body, c.ctx ?? ctx());
      expect(out).toMatchObject(c.want);
      expect(out.model).toBeUndefined();
      expect(out.stream).toBeUndefined();
    });
  }

  test("no tools: no tools and no toolConfig, even with tool_choice", () => {
    const out = messagesToGeminiRequest(base({ tool_choice: { type: "any" } }), ctx());
    expect(out.tools).toBeUndefined();
    expect(out.toolConfig).toBeUndefined();
  });
});

describe("messagesToGeminiRequest: thinking", () => {
  const cases: { name: string; body: Body; ctx: TranslateContext; want: unknown }[] = [
    {
      name: "enabled -> budget + includeThoughts",
      body: base({ max_tokens: 4000, thinking: { type: "enabled", budget_tokens: 2048 } }),
      ctx: ctx(),
      want: { thinkingBudget: 2048, includeThoughts: true },
    },
    {
      name: "enabled with display omitted -> thoughts not returned",
      body: base({ thinking: { type: "enabled", budget_tokens: 1024, display: "omitted" } }),
      ctx: ctx("gemini-2.5-pro"),
      want: { thinkingBudget: 1024, includeThoughts: false },
    },
    {
      name: "enabled on a model that cannot think -> dropped",
      body: base({ thinking: { type: "enabled", budget_tokens: 1024 } }),
      ctx: ctx("gemini-2.0-flash", false),
      want: undefined,
    },
    {
      name: "adaptive without effort -> dynamic budget",
      body: base({ thinking: { type: "adaptive" } }),
      ctx: ctx("gemini-3-pro-preview"),
      want: { thinkingBudget: -1, includeThoughts: true },
    },
    {
      name: "adaptive with effort -> E.3 budget",
      body: base({ thinking: { type: "adaptive" }, output_config: { effort: "medium" } }),
      ctx: ctx("gemini-3-pro-preview"),
      want: { thinkingBudget: 2048, includeThoughts: true },
    },
    {
      name: "disabled on 2.5 flash -> budget 0",
      body: base({ thinking: { type: "disabled" } }),
      ctx: ctx("gemini-2.5-flash"),
      want: { thinkingBudget: 0 },
    },
    {
      name: "disabled on 2.5 flash-lite -> budget 0",
      body: base({ thinking: { type: "disabled" } }),
      ctx: ctx("gemini-2.5-flash-lite"),
      want: { thinkingBudget: 0 },
    },
    {
      name: "disabled on 2.5 pro (cannot turn thinking off) -> model default",
      body: base({ thinking: { type: "disabled" } }),
      ctx: ctx("gemini-2.5-pro"),
      want: undefined,
    },
    {
      name: "disabled on gemini 3 -> model default",
      body: base({ thinking: { type: "disabled" } }),
      ctx: ctx("gemini-3-flash-preview"),
      want: undefined,
    },
    {
      name: "absent -> model default",
      body: base(),
      ctx: ctx(),
      want: undefined,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const gen = messagesToGeminiRequest(c.body, c.ctx).generationConfig as Body;
      expect(gen.thinkingConfig).toEqual(c.want);
    });
  }

  test("model predicates", () => {
    expect(canDisableThinking("gemini-2.5-flash-preview-09-2025")).toBe(true);
    expect(canDisableThinking("gemini-2.5-pro")).toBe(false);
    expect(requiresSignatures("gemini-2.5-flash")).toBe(false);
    expect(requiresSignatures("gemini-2.0-flash-001")).toBe(false);
    expect(requiresSignatures("gemini-1.5-pro")).toBe(false);
    expect(requiresSignatures("gemini-3-pro-preview")).toBe(true);
    expect(requiresSignatures("gemini-3.1-flash")).toBe(true);
    expect(guessImageMime("https://x.test/a.webp")).toBe("image/webp");
    expect(guessImageMime("not a url.gif")).toBe("image/gif");
  });
});

describe("messagesToGeminiRequest: tools in history", () => {
  test("tool_use -> functionCall with the signature from the id; tool_result -> functionResponse by name", () => {
    const signed = encodeToolUseId({ signature: SIG });
    const withCallId = encodeToolUseId({ callId: "fc-7", signature: SIG });
    const out = messagesToGeminiRequest(
      base({
        messages: [
          user("weather in Oslo and Rome?"),
          assistant([
            { type: "text", text: "Checking." },
            { type: "tool_use", id: signed, name: "get_weather", input: { city: "Oslo" } },
            { type: "tool_use", id: "toolu_01plain", name: "get_weather", input: { city: "Rome" } },
            { type: "tool_use", id: withCallId, name: "lookup", input: {} },
          ]),
          user([
            { type: "tool_result", tool_use_id: signed, content: "4 C" },
            { type: "tool_result", tool_use_id: "toolu_01plain", content: [{ type: "text", text: "18" }, { type: "text", text: "C" }] },
            { type: "tool_result", tool_use_id: withCallId, content: "no such thing", is_error: true },
            { type: "text", text: "and?" },
          ]),
        ],
      }),
      ctx(),
    );
    expect(out.contents).toEqual([
      { role: "user", parts: [{ text: "weather in Oslo and Rome?" }] },
      {
        role: "model",
        parts: [
          { text: "Checking." },
          { functionCall: { name: "get_weather", args: { city: "Oslo" } }, thoughtSignature: SIG },
          { functionCall: { name: "get_weather", args: { city: "Rome" } } },
          { functionCall: { name: "lookup", args: {}, id: "fc-7" }, thoughtSignature: SIG },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "get_weather", response: { output: "4 C" } } },
          { functionResponse: { name: "get_weather", response: { output: "18\nC" } } },
          { functionResponse: { name: "lookup", response: { error: "no such thing" }, id: "fc-7" } },
          { text: "and?" },
        ],
      },
    ]);
  });

  test("images inside a tool_result follow its functionResponse", () => {
    const out = messagesToGeminiRequest(
      base({
        messages: [
          user("shot?"),
          assistant([{ type: "tool_use", id: "toolu_1", name: "screenshot", input: {} }]),
          user([
            {
              type: "tool_result",
              tool_use_id: "toolu_1",
              content: [
                { type: "text", text: "done" },
                { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
              ],
            },
          ]),
        ],
      }),
      ctx(),
    );
    expect((out.contents as Body[])[2]).toEqual({
      role: "user",
      parts: [
        { functionResponse: { name: "screenshot", response: { output: "done" } } },
        { inlineData: { mimeType: "image/png", data: "AAAA" } },
      ],
    });
  });
});

describe("messagesToGeminiRequest: thought signatures", () => {
  test("thinking blocks: ours go back as thought parts / onto their text part, foreign ones are dropped", () => {
    const out = messagesToGeminiRequest(
      base({
        messages: [
          user("q"),
          assistant([
            { type: "thinking", thinking: "claude reasoning", signature: "EqQBclaude" },
            { type: "redacted_thinking", data: "EmwK" },
            { type: "thinking", thinking: "gemini thought", signature: `${THOUGHT_SIGNATURE_PREFIX}${SIG}` },
            { type: "thinking", thinking: "unsigned thought", signature: THOUGHT_SIGNATURE_PREFIX },
            { type: "thinking", thinking: "", signature: THOUGHT_SIGNATURE_PREFIX },
            { type: "text", text: "The answer." },
            { type: "thinking", thinking: "", signature: `${TEXT_SIGNATURE_PREFIX}${SIG}` },
          ]),
          user("next"),
        ],
      }),
      ctx(),
    );
    expect((out.contents as Body[])[1]).toEqual({
      role: "model",
      parts: [
        { text: "gemini thought", thought: true, thoughtSignature: SIG },
        { text: "unsigned thought", thought: true },
        { text: "The answer.", thoughtSignature: SIG },
      ],
    });
  });

  test("a text signature with no text before it becomes an empty signed part", () => {
    const out = messagesToGeminiRequest(
      base({
        messages: [
          user("q"),
          assistant([
            { type: "tool_use", id: "toolu_1", name: "t", input: {} },
            { type: "thinking", thinking: "", signature: `${TEXT_SIGNATURE_PREFIX}${SIG}` },
          ]),
          user([{ type: "tool_result", tool_use_id: "toolu_1", content: "ok" }]),
        ],
      }),
      ctx(),
    );
    expect((out.contents as Body[])[1]).toEqual({
      role: "model",
      parts: [{ functionCall: { name: "t", args: {} } }, { text: "", thoughtSignature: SIG }],
    });
  });

  const history = (ids: string[][]): Body =>
    base({
      messages: ids.flatMap((step, s) => [
        s === 0 ? user("go") : user(ids[s - 1]?.map((id) => ({ type: "tool_result", tool_use_id: id, content: "r" })) ?? []),
        assistant(step.map((id, k) => ({ type: "tool_use", id, name: `f${s}${k}`, input: {} }))),
      ]).concat([user(ids.at(-1)?.map((id) => ({ type: "tool_result", tool_use_id: id, content: "r" })) ?? [])]),
    });
  const signatures = (out: Body) =>
    (out.contents as { role: string; parts: Body[] }[])
      .filter((c) => c.role === "model")
      .map((c) => c.parts.map((p) => p.thoughtSignature ?? null));

  test("gemini 3: unsigned steps of the current turn get the skip value on their first call only", () => {
    const signed = encodeToolUseId({ signature: SIG });
    const out = messagesToGeminiRequest(history([["toolu_a", "toolu_b"], [signed, "toolu_c"], ["toolu_d"]]), ctx("gemini-3-pro-preview"));
    expect(signatures(out)).toEqual([[SKIP_SIGNATURE, null], [SIG, null], [SKIP_SIGNATURE]]);
  });

  test("gemini 3: earlier turns are left alone", () => {
    const out = messagesToGeminiRequest(
      base({
        messages: [
          user("first"),
          assistant([{ type: "tool_use", id: "toolu_old", name: "f", input: {} }]),
          user([{ type: "tool_result", tool_use_id: "toolu_old", content: "r" }]),
          assistant("done"),
          user("second"),
          assistant([{ type: "tool_use", id: "toolu_new", name: "f", input: {} }]),
          user([{ type: "tool_result", tool_use_id: "toolu_new", content: "r" }]),
        ],
      }),
      ctx("gemini-3-pro-preview"),
    );
    expect(signatures(out)).toEqual([[null], [null], [SKIP_SIGNATURE]]);
  });

  test("gemini 2.5: nothing is invented", () => {
    const out = messagesToGeminiRequest(history([["toolu_a"], ["toolu_b"]]), ctx("gemini-2.5-flash"));
    expect(signatures(out)).toEqual([[null], [null]]);
  });
});

describe("messagesToGeminiRequest: rejected with TranslationError", () => {
  const cases: { name: string; body: Body; param: string }[] = [
    { name: "server tool", body: base({ tools: [{ type: "web_search_20250305", name: "web_search" }] }), param: "tools[0].type" },
    { name: "tool without name", body: base({ tools: [{ input_schema: {} }] }), param: "tools[0].name" },
    { name: "unknown tool_choice", body: base({ tools: [{ name: "t" }], tool_choice: { type: "sometimes" } }), param: "tool_choice.type" },
    { name: "tool_choice tool without name", body: base({ tools: [{ name: "t" }], tool_choice: { type: "tool" } }), param: "tool_choice.name" },
    { name: "six stop sequences", body: base({ stop_sequences: ["a", "b", "c", "d", "e", "f"] }), param: "stop_sequences" },
    { name: "max_tokens 0", body: base({ max_tokens: 0 }), param: "max_tokens" },
    { name: "unknown thinking type", body: base({ thinking: { type: "deep" } }), param: "thinking.type" },
    { name: "json output without schema", body: base({ output_config: { format: { type: "text" } } }), param: "output_config.format" },
    {
      name: "image from the Files API",
      body: base({ messages: [user([{ type: "image", source: { type: "file", file_id: "file_1" } }])] }),
      param: "messages[0].content[0].source.type",
    },
    {
      name: "unknown user block",
      body: base({ messages: [user([{ type: "search_result", source: "x", title: "t", content: [] }])] }),
      param: "messages[0].content[0].type",
    },
    {
      name: "tool_result in an assistant turn",
      body: base({ messages: [user("x"), assistant([{ type: "tool_result", tool_use_id: "a", content: "b" }])] }),
      param: "messages[1].content[0].type",
    },
    {
      name: "tool_result without its tool_use",
      body: base({ messages: [user([{ type: "tool_result", tool_use_id: "toolu_missing", content: "x" }])] }),
      param: "messages[0].content[0].tool_use_id",
    },
    { name: "system role message", body: base({ messages: [{ role: "system", content: "x" }] }), param: "messages[0].role" },
    { name: "messages not an array", body: base({ messages: "hi" }), param: "messages" },
  ];
  for (const c of cases) {
    test(c.name, () => {
      let err: unknown;
      try {
        messagesToGeminiRequest(c.body, ctx());
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TranslationError);
      expect(err instanceof TranslationError && err.param).toBe(c.param);
    });
  }
});
