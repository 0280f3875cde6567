import { describe, expect, test } from "bun:test";
import { asArray, asRecord, type Json } from "../json.ts";
import { testCtx } from "../testing.ts";
import { chatToResponsesResponse } from "./response.ts";
import { decodeThinking } from "./shared.ts";

const ctx = testCtx();

function completion(message: Json, finish: string, usage?: Json): Json {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1760000000,
    model: "upstream-model",
    choices: [{ index: 0, message: { role: "assistant", ...message }, logprobs: null, finish_reason: finish }],
    usage: usage ?? { prompt_tokens: 120, completion_tokens: 9, total_tokens: 129, prompt_tokens_details: { cached_tokens: 64 }, completion_tokens_details: { reasoning_tokens: 0 } },
  };
}

/** Output items without their minted ids, which are random. */
function items(response: Json): Json[] {
  return asArray(response.output).map((raw) => {
    const { id, ...rest } = asRecord(raw) ?? {};
    expect(String(id)).toMatch(/^(msg|fc|rs)_[0-9a-f]{24}$/);
    return rest;
  });
}

const text = (t: string) => ({ type: "output_text", annotations: [], logprobs: [], text: t });
const message = (content: Json[], status = "completed") => ({ type: "message", status, content, role: "assistant" });
const fnCall = (callId: string, name: string, args: string, status = "completed") => ({ type: "function_call", status, arguments: args, call_id: callId, name });

interface Case {
  name: string;
  input: Json;
  request?: Json;
  status: string;
  incomplete: Json | null;
  output: Json[];
  usage?: Json;
}

const cases: Case[] = [
  {
    name: "text answer (A.3 example)",
    input: completion({ content: "4 °C in Oslo.", refusal: null, tool_calls: null, annotations: [] }, "stop"),
    status: "completed",
    incomplete: null,
    output: [message([text("4 °C in Oslo.")])],
    usage: { input_tokens: 120, input_tokens_details: { cached_tokens: 64, cache_write_tokens: 0 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 129 },
  },
  {
    name: "text and parallel tool calls -> message + function_call items",
    input: completion(
      {
        content: "Checking.",
        tool_calls: [
          { id: "call_7", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
          { id: "call_8", type: "function", function: { name: "get_time", arguments: "{}" } },
        ],
      },
      "tool_calls",
    ),
    status: "completed",
    incomplete: null,
    output: [message([text("Checking.")]), fnCall("call_7", "get_weather", '{"city":"Oslo"}'), fnCall("call_8", "get_time", "{}")],
  },
  {
    name: "tool calls only, null content",
    input: completion({ content: null, tool_calls: [{ id: "call_7", type: "function", function: { name: "f", arguments: "{}" } }] }, "tool_calls"),
    status: "completed",
    incomplete: null,
    output: [fnCall("call_7", "f", "{}")],
  },
  {
    name: "length -> incomplete, max_output_tokens; the last item is incomplete",
    input: completion({ content: "Once upon a" }, "length"),
    status: "incomplete",
    incomplete: { reason: "max_output_tokens" },
    output: [message([text("Once upon a")], "incomplete")],
  },
  {
    name: "content_filter -> incomplete, content_filter",
    input: completion({ content: "" }, "content_filter"),
    status: "incomplete",
    incomplete: { reason: "content_filter" },
    output: [],
  },
  {
    name: "refusal -> refusal part",
    input: completion({ content: null, refusal: "I can't help with that." }, "stop"),
    status: "completed",
    incomplete: null,
    output: [message([{ type: "refusal", refusal: "I can't help with that." }])],
  },
  {
    name: "reasoning_content -> reasoning item with reasoning_text content",
    input: completion({ content: "42", reasoning_content: "Think." }, "stop"),
    status: "completed",
    incomplete: null,
    output: [{ type: "reasoning", summary: [], content: [{ type: "reasoning_text", text: "Think." }], status: "completed" }, message([text("42")])],
  },
  {
    name: "reasoning as a summary when the request asked for one (OpenRouter-style `reasoning`)",
    input: completion({ content: "42", reasoning: "Think." }, "stop"),
    request: { reasoning: { effort: "low", summary: "auto" } },
    status: "completed",
    incomplete: null,
    output: [{ type: "reasoning", summary: [{ type: "summary_text", text: "Think." }], status: "completed" }, message([text("42")])],
  },
  {
    name: "text parts as content (some providers)",
    input: completion({ content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] }, "stop"),
    status: "completed",
    incomplete: null,
    output: [message([text("ab")])],
  },
  {
    name: "no usage -> zeros; cache writes reported",
    input: { ...completion({ content: "x" }, "stop"), usage: undefined },
    status: "completed",
    incomplete: null,
    output: [message([text("x")])],
    usage: { input_tokens: 0, input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 0 },
  },
  {
    name: "usage with cache writes and reasoning tokens",
    input: completion({ content: "x" }, "stop", {
      prompt_tokens: 2558,
      completion_tokens: 96,
      total_tokens: 2654,
      prompt_tokens_details: { cached_tokens: 2048, cache_write_tokens: 100 },
      completion_tokens_details: { reasoning_tokens: 40 },
    }),
    status: "completed",
    incomplete: null,
    output: [message([text("x")])],
    usage: {
      input_tokens: 2558,
      input_tokens_details: { cached_tokens: 2048, cache_write_tokens: 100 },
      output_tokens: 96,
      output_tokens_details: { reasoning_tokens: 40 },
      total_tokens: 2654,
    },
  },
];

describe("chatToResponsesResponse", () => {
  for (const c of cases) {
    test(c.name, () => {
      const r = chatToResponsesResponse(c.input, ctx, c.request);
      expect(r.object).toBe("response");
      expect(String(r.id)).toMatch(/^resp_/);
      expect(r.model).toBe("public-model");
      expect(r.created_at).toBe(1760000000);
      expect(r.status).toBe(c.status);
      expect(r.incomplete_details).toEqual(c.incomplete);
      expect(r.error).toBeNull();
      expect(items(r)).toEqual(c.output);
      if (c.usage) expect(r.usage).toEqual(c.usage);
    });
  }

  test("signed thinking_blocks (chained Anthropic) -> encrypted_content that decodes back", () => {
    const blocks = [
      { type: "thinking", thinking: "User wants ", signature: "sig1" },
      { type: "redacted_thinking", data: "opaque" },
    ];
    const r = chatToResponsesResponse(completion({ content: "Hi", reasoning_content: "User wants ", thinking_blocks: blocks }, "stop"), ctx);
    const reasoning = asRecord(asArray(r.output)[0])!;
    expect(reasoning.type).toBe("reasoning");
    expect(reasoning.content).toEqual([{ type: "reasoning_text", text: "User wants " }]);
    expect(String(reasoning.encrypted_content)).toStartWith("sluice.thinking.v1:");
    expect(decodeThinking(reasoning.encrypted_content)).toEqual(blocks);
  });

  test("unsigned thinking gets no encrypted_content", () => {
    const blocks = [{ type: "thinking", thinking: "t", signature: "" }];
    const r = chatToResponsesResponse(completion({ content: "Hi", thinking_blocks: blocks }, "stop"), ctx);
    const reasoning = asRecord(asArray(r.output)[0])!;
    expect(reasoning.content).toEqual([{ type: "reasoning_text", text: "t" }]);
    expect(reasoning).not.toHaveProperty("encrypted_content");
  });

  test("request settings are echoed; defaults without a request; extra usage fields", () => {
    const request = {
      instructions: "Be brief.",
      tools: [{ type: "function", name: "f", parameters: null, strict: null }],
      tool_choice: "required",
      parallel_tool_calls: false,
      temperature: 0.3,
      top_p: 0.8,
      max_output_tokens: 200,
      metadata: { k: "v" },
      text: { format: { type: "json_object" } },
    };
    const r = chatToResponsesResponse(completion({ content: "{}" }, "stop"), ctx, request, { cost_usd: 0.01 });
    expect(r).toMatchObject({
      instructions: "Be brief.",
      tools: request.tools,
      tool_choice: "required",
      parallel_tool_calls: false,
      temperature: 0.3,
      top_p: 0.8,
      max_output_tokens: 200,
      metadata: { k: "v" },
      text: { format: { type: "json_object" } },
      store: false,
      previous_response_id: null,
    });
    expect(asRecord(r.usage)?.cost_usd).toBe(0.01);
    const bare = chatToResponsesResponse(completion({ content: "x" }, "stop"), ctx);
    expect(bare).toMatchObject({ instructions: null, tools: [], tool_choice: "auto", parallel_tool_calls: true, temperature: null, top_p: null, metadata: {} });
  });
});
