import { describe, expect, test } from "bun:test";
import type { Json } from "../json.ts";
import { testCtx } from "../testing.ts";
import { TranslationError } from "../types.ts";
import { messagesToChatRequest, TOOL_ERROR_PREFIX } from "./request.ts";

const ctx = testCtx();
const base = { model: "upstream-model", max_completion_tokens: 1000 };
const hi = [{ role: "user", content: "Hi" }];
const hiOut = [{ role: "user", content: "Hi" }];
const tool = { name: "get_weather", description: "Weather", input_schema: { type: "object", properties: { city: { type: "string" } } } };
const toolOut = {
  type: "function",
  function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
};
const png = { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBOR" } };
const pngOut = { type: "image_url", image_url: { url: "data:image/png;base64,iVBOR" } };

interface Case {
  name: string;
  input: Json;
  expected: Json;
}

const cases: Case[] = [
  {
    name: "string system -> leading system message",
    input: { system: "Be brief.", messages: hi },
    expected: { ...base, messages: [{ role: "system", content: "Be brief." }, ...hiOut] },
  },
  {
    name: "system blocks join in order into one system message; cache_control dropped",
    input: {
      system: [
        { type: "text", text: "A", cache_control: { type: "ephemeral" } },
        { type: "text", text: "B" },
      ],
      messages: hi,
    },
    expected: { ...base, messages: [{ role: "system", content: "A\n\nB" }, ...hiOut] },
  },
  {
    name: "multi-turn with text blocks; prefill kept as final assistant message",
    input: {
      messages: [
        { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
        { role: "assistant", content: "c" },
        { role: "user", content: "d" },
        { role: "assistant", content: [{ type: "text", text: "{" }] },
      ],
    },
    expected: {
      ...base,
      messages: [
        { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
        { role: "assistant", content: "c" },
        { role: "user", content: "d" },
        { role: "assistant", content: "{" },
      ],
    },
  },
  {
    name: "images (base64 and url) and PDF/text documents",
    input: {
      messages: [
        {
          role: "user",
          content: [
            png,
            { type: "image", source: { type: "url", url: "https://example.com/a.jpg" } },
            { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBE" }, title: "spec.pdf" },
            { type: "document", source: { type: "text", media_type: "text/plain", data: "plain" }, title: "notes" },
          ],
        },
      ],
    },
    expected: {
      ...base,
      messages: [
        {
          role: "user",
          content: [
            pngOut,
            { type: "image_url", image_url: { url: "https://example.com/a.jpg" } },
            { type: "file", file: { filename: "spec.pdf", file_data: "data:application/pdf;base64,JVBE" } },
            { type: "text", text: "notes\n\nplain" },
          ],
        },
      ],
    },
  },
  {
    name: "tool loop: tool_use -> tool_calls, tool_result -> tool messages before user text",
    input: {
      tools: [tool],
      messages: [
        { role: "user", content: "Oslo and Bergen?" },
        {
          role: "assistant",
          content: [
            { type: "text", text: "Checking." },
            { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Oslo" } },
            { type: "tool_use", id: "toolu_2", name: "get_weather", input: { city: "Bergen" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: "4C" },
            { type: "tool_result", tool_use_id: "toolu_2", content: [{ type: "text", text: "6C" }], is_error: false },
            { type: "text", text: "And tomorrow?" },
          ],
        },
      ],
    },
    expected: {
      ...base,
      messages: [
        { role: "user", content: "Oslo and Bergen?" },
        {
          role: "assistant",
          content: "Checking.",
          tool_calls: [
            { id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
            { id: "toolu_2", type: "function", function: { name: "get_weather", arguments: '{"city":"Bergen"}' } },
          ],
        },
        { role: "tool", tool_call_id: "toolu_1", content: "4C" },
        { role: "tool", tool_call_id: "toolu_2", content: "6C" },
        { role: "user", content: "And tomorrow?" },
      ],
      tools: [toolOut],
    },
  },
  {
    name: "is_error results are prefixed; images in results follow as a user message",
    input: {
      messages: [
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "shot", input: {} }] },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "t1", content: "disk full", is_error: true },
            { type: "tool_result", tool_use_id: "t2", content: [{ type: "text", text: "see" }, png] },
          ],
        },
      ],
    },
    expected: {
      ...base,
      messages: [
        { role: "assistant", content: null, tool_calls: [{ id: "t1", type: "function", function: { name: "shot", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "t1", content: `${TOOL_ERROR_PREFIX}disk full` },
        { role: "tool", tool_call_id: "t2", content: "see" },
        { role: "user", content: [pngOut] },
      ],
    },
  },
  {
    name: "thinking: unsigned -> reasoning_content only; signed/redacted also -> thinking_blocks",
    input: {
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: [{ type: "thinking", thinking: "hmm", signature: "" }, { type: "text", text: "a" }] },
        { role: "user", content: "q2" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "deep", signature: "SIG" },
            { type: "redacted_thinking", data: "ENC" },
            { type: "tool_use", id: "t", name: "f", input: { a: 1 } },
          ],
        },
      ],
    },
    expected: {
      ...base,
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: "a", reasoning_content: "hmm" },
        { role: "user", content: "q2" },
        {
          role: "assistant",
          content: null,
          reasoning_content: "deep",
          thinking_blocks: [
            { type: "thinking", thinking: "deep", signature: "SIG" },
            { type: "redacted_thinking", data: "ENC" },
          ],
          tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
        },
      ],
    },
  },
  ...(
    [
      [{ type: "auto" }, "auto"],
      [{ type: "any" }, "required"],
      [{ type: "none" }, "none"],
      [{ type: "tool", name: "get_weather" }, { type: "function", function: { name: "get_weather" } }],
    ] as [Json, unknown][]
  ).map(([choice, out]) => ({
    name: `tool_choice ${String(choice.type)}`,
    input: { messages: hi, tools: [tool], tool_choice: choice },
    expected: { ...base, messages: hiOut, tools: [toolOut], tool_choice: out },
  })),
  {
    name: "disable_parallel_tool_use -> parallel_tool_calls:false",
    input: { messages: hi, tools: [tool], tool_choice: { type: "auto", disable_parallel_tool_use: true } },
    expected: { ...base, messages: hiOut, tools: [toolOut], tool_choice: "auto", parallel_tool_calls: false },
  },
  {
    name: "tool_choice without tools is dropped",
    input: { messages: hi, tool_choice: { type: "any" } },
    expected: { ...base, messages: hiOut },
  },
  {
    name: "tool without input_schema gets an empty object schema",
    input: { messages: hi, tools: [{ name: "now", strict: true }] },
    expected: {
      ...base,
      messages: hiOut,
      tools: [{ type: "function", function: { name: "now", parameters: { type: "object", properties: {} }, strict: true } }],
    },
  },
  {
    name: "sampling, stop sequences, metadata; top_k dropped",
    input: { messages: hi, temperature: 0.5, top_p: 0.9, top_k: 3, stop_sequences: ["END"], metadata: { user_id: "u1" } },
    expected: { ...base, messages: hiOut, stop: ["END"], temperature: 0.5, top_p: 0.9, user: "u1" },
  },
  {
    name: "streaming always asks for usage",
    input: { messages: hi, stream: true },
    expected: { ...base, messages: hiOut, stream: true, stream_options: { include_usage: true } },
  },
  {
    name: "max_tokens above the model limit is clamped",
    input: { messages: hi, max_tokens: 999999 },
    expected: { ...base, max_completion_tokens: 8192, messages: hiOut },
  },
  ...(
    [
      [1024, "low"],
      [2048, "medium"],
      [3000, "medium"],
      [4096, "high"],
      [32000, "high"],
    ] as [number, string][]
  ).map(([budget, effort]) => ({
    name: `thinking budget ${budget} -> reasoning_effort ${effort}`,
    input: { messages: hi, thinking: { type: "enabled", budget_tokens: budget } },
    expected: { ...base, messages: hiOut, reasoning_effort: effort },
  })),
  {
    name: "adaptive thinking follows output_config.effort",
    input: { messages: hi, thinking: { type: "adaptive" }, output_config: { effort: "max" } },
    expected: { ...base, messages: hiOut, reasoning_effort: "high" },
  },
  {
    name: "adaptive thinking without effort and disabled thinking leave the upstream default",
    input: { messages: hi, thinking: { type: "adaptive" } },
    expected: { ...base, messages: hiOut },
  },
  {
    name: "output_config.format json_schema -> response_format",
    input: { messages: hi, output_config: { format: { type: "json_schema", schema: { type: "object" } } } },
    expected: {
      ...base,
      messages: hiOut,
      response_format: { type: "json_schema", json_schema: { name: "response", schema: { type: "object" } } },
    },
  },
];

describe("messagesToChatRequest", () => {
  test.each(cases)("$name", ({ input, expected }) => {
    expect(messagesToChatRequest({ model: "public-model", max_tokens: 1000, ...input }, ctx)).toEqual(expected);
  });
});

const rejections: { name: string; input: Json; expected: string }[] = [
  {
    name: "server tools",
    input: { messages: hi, tools: [{ type: "web_search_20250305", name: "web_search" }] },
    expected: "tools[0]",
  },
  {
    name: "URL documents",
    input: { messages: [{ role: "user", content: [{ type: "document", source: { type: "url", url: "https://x/a.pdf" } }] }] },
    expected: "messages[0].content[0]",
  },
  {
    name: "file-id images",
    input: { messages: [{ role: "user", content: [{ type: "image", source: { type: "file", file_id: "f" } }] }] },
    expected: "messages[0].content[0]",
  },
  {
    name: "server tool results in user turns",
    input: { messages: [{ role: "user", content: [{ type: "search_result", source: "x", title: "t", content: [] }] }] },
    expected: "messages[0].content[0]",
  },
  { name: "unknown role", input: { messages: [{ role: "tool", content: "x" }] }, expected: "messages[0].role" },
];

describe("messagesToChatRequest rejects what it cannot carry", () => {
  test.each(rejections)("$name", ({ input, expected }) => {
    let caught: unknown;
    try {
      messagesToChatRequest({ model: "m", max_tokens: 10, ...input }, ctx);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TranslationError);
    expect((caught as TranslationError).param).toBe(expected);
  });
});
