import { describe, expect, test } from "bun:test";
import type { Json } from "../json.ts";
import { testCtx } from "../testing.ts";
import { TranslationError } from "../types.ts";
import { chatToMessagesRequest, JSON_OBJECT_INSTRUCTION } from "./request.ts";

const ctx = testCtx();
const user = (content: unknown): Json => ({ role: "user", content });
const hi = [user("Hi")];
const hiOut = [{ role: "user", content: [{ type: "text", text: "Hi" }] }];
const base = { model: "upstream-model", max_tokens: 8192 };
const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather",
    parameters: { type: "object", properties: { city: { type: "string" } } },
  },
};
const weatherOut = {
  name: "get_weather",
  description: "Weather",
  input_schema: { type: "object", properties: { city: { type: "string" } } },
};
const call = (id: string, args = '{"city":"Oslo"}', name = "get_weather"): Json => ({
  id,
  type: "function",
  function: { name, arguments: args },
});
const signed = { type: "thinking", thinking: "Let me check", signature: "SIG" };

interface Case {
  name: string;
  input: Json;
  expected: Json;
}

const cases: Case[] = [
  {
    name: "system and developer messages anywhere become ordered system blocks",
    input: {
      messages: [
        { role: "system", content: "Be brief." },
        user("Hi"),
        { role: "developer", content: [{ type: "text", text: "Use metric." }] },
      ],
    },
    expected: {
      ...base,
      system: [
        { type: "text", text: "Be brief." },
        { type: "text", text: "Use metric." },
      ],
      messages: hiOut,
    },
  },
  {
    name: "consecutive user turns are merged, multi-turn order kept",
    input: { messages: [user("a"), user([{ type: "text", text: "b" }]), { role: "assistant", content: "c" }, user("d")] },
    expected: {
      ...base,
      messages: [
        { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
        { role: "assistant", content: [{ type: "text", text: "c" }] },
        { role: "user", content: [{ type: "text", text: "d" }] },
      ],
    },
  },
  {
    name: "final assistant message is a prefill, trailing whitespace trimmed",
    input: { messages: [user("Say hi"), { role: "assistant", content: "Hello, \n" }] },
    expected: {
      ...base,
      messages: [
        { role: "user", content: [{ type: "text", text: "Say hi" }] },
        { role: "assistant", content: [{ type: "text", text: "Hello," }] },
      ],
    },
  },
  {
    name: "empty text parts and empty turns are dropped",
    input: { messages: [user(""), user([{ type: "text", text: "" }, { type: "text", text: "x" }])] },
    expected: { ...base, messages: [{ role: "user", content: [{ type: "text", text: "x" }] }] },
  },
  {
    name: "images: data URL -> base64 source, https -> url source, detail dropped",
    input: {
      messages: [
        user([
          { type: "text", text: "Compare" },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBOR", detail: "high" } },
          { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
        ]),
      ],
    },
    expected: {
      ...base,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Compare" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBOR" } },
            { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
          ],
        },
      ],
    },
  },
  {
    name: "PDF and text files become document blocks titled by filename",
    input: {
      messages: [
        user([
          { type: "file", file: { filename: "spec.pdf", file_data: "data:application/pdf;base64,JVBE" } },
          { type: "file", file: { file_data: "data:text/plain;base64,aMOpbGxv" } },
        ]),
      ],
    },
    expected: {
      ...base,
      messages: [
        {
          role: "user",
          content: [
            {
              type: "document",
              source: { type: "base64", media_type: "application/pdf", data: "JVBE" },
              title: "spec.pdf",
            },
            { type: "document", source: { type: "text", media_type: "text/plain", data: "héllo" } },
          ],
        },
      ],
    },
  },
  {
    name: "cache_control on parts and messages is carried",
    input: {
      messages: [
        { role: "system", content: [{ type: "text", text: "S", cache_control: { type: "ephemeral" } }] },
        { role: "user", content: [{ type: "text", text: "U", cache_control: { type: "ephemeral", ttl: "1h" } }] },
      ],
    },
    expected: {
      ...base,
      system: [{ type: "text", text: "S", cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: [{ type: "text", text: "U", cache_control: { type: "ephemeral", ttl: "1h" } }] }],
    },
  },
  {
    name: "cache_control on a whole message marks only its last block",
    input: {
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "a" },
            { type: "text", text: "b" },
          ],
          cache_control: { type: "ephemeral" },
        },
      ],
    },
    expected: {
      ...base,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "a" },
            { type: "text", text: "b", cache_control: { type: "ephemeral" } },
          ],
        },
      ],
    },
  },
  {
    name: "tools, parallel tool calls and consecutive tool results with ids kept",
    input: {
      tools: [weatherTool],
      messages: [
        user("Oslo and Bergen?"),
        { role: "assistant", content: "Checking.", tool_calls: [call("call_1"), call("call_2", '{"city":"Bergen"}')] },
        { role: "tool", tool_call_id: "call_1", content: "4C" },
        { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "6C" }] },
        user("Thanks, and now?"),
      ],
    },
    expected: {
      ...base,
      messages: [
        { role: "user", content: [{ type: "text", text: "Oslo and Bergen?" }] },
        {
          role: "assistant",
          content: [
            { type: "text", text: "Checking." },
            { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Oslo" } },
            { type: "tool_use", id: "call_2", name: "get_weather", input: { city: "Bergen" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "call_1", content: "4C" },
            { type: "tool_result", tool_use_id: "call_2", content: "6C" },
            { type: "text", text: "Thanks, and now?" },
          ],
        },
      ],
      tools: [weatherOut],
    },
  },
  {
    name: "tool results are moved before user text in a merged turn",
    input: {
      tools: [weatherTool],
      messages: [
        user("Go"),
        { role: "assistant", content: null, tool_calls: [call("call_1")] },
        user("(note)"),
        { role: "tool", tool_call_id: "call_1", content: "" },
      ],
    },
    expected: {
      ...base,
      messages: [
        { role: "user", content: [{ type: "text", text: "Go" }] },
        { role: "assistant", content: [{ type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Oslo" } }] },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "call_1" },
            { type: "text", text: "(note)" },
          ],
        },
      ],
      tools: [weatherOut],
    },
  },
  {
    name: "invalid or empty tool arguments fall back to {}; ids sanitised for Anthropic",
    input: {
      tools: [weatherTool],
      messages: [
        user("Go"),
        {
          role: "assistant",
          content: null,
          tool_calls: [call("functions.get_weather:0", '{"city": "Os'), call("call_b", ""), call("call_c", "[1]")],
        },
        { role: "tool", tool_call_id: "functions.get_weather:0", content: "bad args" },
      ],
    },
    expected: {
      ...base,
      messages: [
        { role: "user", content: [{ type: "text", text: "Go" }] },
        {
          role: "assistant",
          content: [
            { type: "tool_use", id: "functions_get_weather_0", name: "get_weather", input: {} },
            { type: "tool_use", id: "call_b", name: "get_weather", input: {} },
            { type: "tool_use", id: "call_c", name: "get_weather", input: {} },
          ],
        },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "functions_get_weather_0", content: "bad args" }] },
      ],
      tools: [weatherOut],
    },
  },
  {
    name: "tool without parameters gets an empty object schema; strict kept",
    input: { messages: hi, tools: [{ type: "function", function: { name: "now", strict: true } }] },
    expected: { ...base, messages: hiOut, tools: [{ name: "now", input_schema: { type: "object", properties: {} }, strict: true }] },
  },
  ...(
    [
      ["auto", { type: "auto" }],
      ["none", { type: "none" }],
      ["required", { type: "any" }],
      [{ type: "function", function: { name: "get_weather" } }, { type: "tool", name: "get_weather" }],
    ] as [unknown, Json][]
  ).map(([choice, out]) => ({
    name: `tool_choice ${JSON.stringify(choice)}`,
    input: { messages: hi, tools: [weatherTool], tool_choice: choice },
    expected: { ...base, messages: hiOut, tools: [weatherOut], tool_choice: out },
  })),
  {
    name: "parallel_tool_calls:false without tool_choice -> auto + disable_parallel_tool_use",
    input: { messages: hi, tools: [weatherTool], parallel_tool_calls: false },
    expected: {
      ...base,
      messages: hiOut,
      tools: [weatherOut],
      tool_choice: { type: "auto", disable_parallel_tool_use: true },
    },
  },
  {
    name: "parallel_tool_calls:false with required",
    input: { messages: hi, tools: [weatherTool], tool_choice: "required", parallel_tool_calls: false },
    expected: {
      ...base,
      messages: hiOut,
      tools: [weatherOut],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
    },
  },
  {
    name: "allowed_tools narrows the tool list",
    input: {
      messages: hi,
      tools: [weatherTool, { type: "function", function: { name: "other" } }],
      tool_choice: { type: "allowed_tools", allowed_tools: { mode: "required", tools: [{ type: "function", function: { name: "get_weather" } }] } },
    },
    expected: { ...base, messages: hiOut, tools: [weatherOut], tool_choice: { type: "any" } },
  },
  {
    name: "tool_choice without tools is omitted",
    input: { messages: hi, tool_choice: "none" },
    expected: { ...base, messages: hiOut },
  },
  {
    name: "max_completion_tokens wins over max_tokens, stop string -> list",
    input: { messages: hi, max_tokens: 50, max_completion_tokens: 100, stop: "END" },
    expected: { ...base, max_tokens: 100, messages: hiOut, stop_sequences: ["END"] },
  },
  {
    name: "max tokens above the model limit are clamped; whitespace stops dropped",
    input: { messages: hi, max_tokens: 100000, stop: ["\n", "", "###"] },
    expected: { ...base, messages: hiOut, stop_sequences: ["###"] },
  },
  {
    name: "temperature clamped to 1, top_p/top_k kept, penalties and seed dropped",
    input: { messages: hi, temperature: 1.7, top_p: 0.9, top_k: 40, presence_penalty: 1, seed: 7, logit_bias: {} },
    expected: { ...base, messages: hiOut, temperature: 1, top_p: 0.9, top_k: 40 },
  },
  {
    name: "user -> metadata.user_id; stream carried",
    input: { messages: hi, user: "u-42", stream: true, stream_options: { include_usage: true } },
    expected: { ...base, messages: hiOut, metadata: { user_id: "u-42" }, stream: true },
  },
  {
    name: "json_schema response_format -> output_config.format",
    input: {
      messages: hi,
      response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" }, strict: true } },
    },
    expected: { ...base, messages: hiOut, output_config: { format: { type: "json_schema", schema: { type: "object" } } } },
  },
  {
    name: "json_object response_format -> system instruction",
    input: { messages: [{ role: "system", content: "S" }, ...hi], response_format: { type: "json_object" } },
    expected: {
      ...base,
      system: [
        { type: "text", text: "S" },
        { type: "text", text: JSON_OBJECT_INSTRUCTION },
      ],
      messages: hiOut,
    },
  },
  ...(
    [
      ["minimal", 1024],
      ["low", 1024],
      ["medium", 2048],
      ["high", 4096],
    ] as [string, number][]
  ).map(([effort, budget]) => ({
    name: `reasoning_effort ${effort} -> budget ${budget}; temperature and top_k dropped`,
    input: { messages: hi, reasoning_effort: effort, temperature: 0.2, top_k: 5, top_p: 0.5 },
    expected: { ...base, messages: hiOut, thinking: { type: "enabled", budget_tokens: budget } },
  })),
  {
    name: "reasoning_effort none -> no thinking",
    input: { messages: hi, reasoning_effort: "none" },
    expected: { ...base, messages: hiOut },
  },
  {
    name: "budget is capped to leave answer room under max_tokens; top_p >= 0.95 kept",
    input: { messages: hi, reasoning_effort: "high", max_tokens: 3000, top_p: 0.97 },
    expected: { ...base, max_tokens: 3000, messages: hiOut, thinking: { type: "enabled", budget_tokens: 2744 }, top_p: 0.97 },
  },
  {
    name: "thinking dropped when max_tokens cannot fit 1024 + answer room",
    input: { messages: hi, reasoning_effort: "low", max_tokens: 1200, temperature: 0.3 },
    expected: { ...base, max_tokens: 1200, messages: hiOut, temperature: 0.3 },
  },
  {
    name: "thinking dropped when a tool is forced",
    input: { messages: hi, reasoning_effort: "high", tools: [weatherTool], tool_choice: "required" },
    expected: { ...base, messages: hiOut, tools: [weatherOut], tool_choice: { type: "any" } },
  },
  {
    name: "thinking_blocks are replayed first and thinking stays on in a tool loop",
    input: {
      reasoning_effort: "medium",
      tools: [weatherTool],
      messages: [
        user("Oslo?"),
        {
          role: "assistant",
          content: "Checking.",
          reasoning_content: "Let me check",
          thinking_blocks: [signed, { type: "redacted_thinking", data: "ENC" }],
          tool_calls: [call("toolu_1")],
        },
        { role: "tool", tool_call_id: "toolu_1", content: "4C" },
      ],
    },
    expected: {
      ...base,
      messages: [
        { role: "user", content: [{ type: "text", text: "Oslo?" }] },
        {
          role: "assistant",
          content: [
            signed,
            { type: "redacted_thinking", data: "ENC" },
            { type: "text", text: "Checking." },
            { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Oslo" } },
          ],
        },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "4C" }] },
      ],
      tools: [weatherOut],
      thinking: { type: "enabled", budget_tokens: 2048 },
    },
  },
  {
    name: "thinking dropped when the current tool loop lacks thinking blocks",
    input: {
      reasoning_effort: "medium",
      tools: [weatherTool],
      messages: [
        user("Oslo?"),
        { role: "assistant", content: null, reasoning_content: "unsigned", tool_calls: [call("toolu_1")] },
        { role: "tool", tool_call_id: "toolu_1", content: "4C" },
      ],
    },
    expected: {
      ...base,
      messages: [
        { role: "user", content: [{ type: "text", text: "Oslo?" }] },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Oslo" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "4C" }] },
      ],
      tools: [weatherOut],
    },
  },
  {
    name: "a finished earlier tool loop without thinking does not block thinking",
    input: {
      reasoning_effort: "low",
      tools: [weatherTool],
      messages: [
        user("Oslo?"),
        { role: "assistant", content: null, tool_calls: [call("toolu_1")] },
        { role: "tool", tool_call_id: "toolu_1", content: "4C" },
        { role: "assistant", content: "4C in Oslo." },
        user("Thanks"),
      ],
    },
    expected: {
      ...base,
      messages: [
        { role: "user", content: [{ type: "text", text: "Oslo?" }] },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Oslo" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "4C" }] },
        { role: "assistant", content: [{ type: "text", text: "4C in Oslo." }] },
        { role: "user", content: [{ type: "text", text: "Thanks" }] },
      ],
      tools: [weatherOut],
      thinking: { type: "enabled", budget_tokens: 1024 },
    },
  },
];

describe("chatToMessagesRequest", () => {
  test.each(cases)("$name", ({ input, expected }) => {
    expect(chatToMessagesRequest({ model: "public-model", ...input }, ctx)).toEqual(expected);
  });
});

interface Rejection {
  name: string;
  input: Json;
  expected: string; // the TranslationError param
}

const rejections: Rejection[] = [
  { name: "n > 1", input: { messages: hi, n: 2 }, expected: "n" },
  { name: "logprobs", input: { messages: hi, logprobs: true }, expected: "logprobs" },
  { name: "audio output", input: { messages: hi, modalities: ["text", "audio"] }, expected: "modalities" },
  {
    name: "audio input",
    input: { messages: [user([{ type: "input_audio", input_audio: { data: "AA", format: "wav" } }])] },
    expected: "messages[0].content[0]",
  },
  {
    name: "file id instead of data",
    input: { messages: [user([{ type: "file", file: { file_id: "file-1" } }])] },
    expected: "messages[0].content[0]",
  },
  {
    name: "unsupported image type",
    input: { messages: [user([{ type: "image_url", image_url: { url: "data:image/bmp;base64,AA" } }])] },
    expected: "messages[0].content[0]",
  },
  { name: "unknown reasoning_effort", input: { messages: hi, reasoning_effort: "extreme" }, expected: "reasoning_effort" },
  { name: "legacy functions", input: { messages: hi, functions: [{ name: "f" }] }, expected: "functions" },
  { name: "custom tools", input: { messages: hi, tools: [{ type: "custom", custom: { name: "x" } }] }, expected: "tools[0]" },
  { name: "only a system message", input: { messages: [{ role: "system", content: "S" }] }, expected: "messages" },
  {
    name: "tool message without id",
    input: { messages: [...hi, { role: "tool", content: "x" }] },
    expected: "messages[1].tool_call_id",
  },
];

describe("chatToMessagesRequest rejects what it cannot carry", () => {
  test.each(rejections)("$name", ({ input, expected }) => {
    let caught: unknown;
    try {
      chatToMessagesRequest({ model: "m", ...input }, ctx);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TranslationError);
    expect((caught as TranslationError).param).toBe(expected);
  });
});
