import { describe, expect, test } from "bun:test";
import type { Json } from "../json.ts";
import { testCtx } from "../testing.ts";
import { TranslationError } from "../types.ts";
import { responsesToChatRequest } from "./request.ts";
import { encodeThinking } from "./shared.ts";

const ctx = testCtx();
const base = { model: "upstream-model" };
const hi = [{ role: "user", content: "Hi" }];
const weather = {
  type: "function",
  name: "get_weather",
  description: "Weather",
  strict: true,
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
};
const weatherOut = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
    strict: true,
  },
};
const timeTool = { type: "function", name: "get_time", parameters: null, strict: null };
const timeOut = { type: "function", function: { name: "get_time" } };
const call = (id: string, args = '{"city":"Oslo"}', name = "get_weather") => ({ type: "function_call", id: `fc_${id}`, call_id: id, name, arguments: args });
const callOut = (id: string, args = '{"city":"Oslo"}', name = "get_weather") => ({ id, type: "function", function: { name, arguments: args } });
const signed = [{ type: "thinking", thinking: "Need weather.", signature: "EqQBsig==" }];

interface Case {
  name: string;
  input: Json;
  expected: Json;
}

const cases: Case[] = [
  {
    name: "string input -> one user message",
    input: { input: "Hi" },
    expected: { ...base, messages: hi },
  },
  {
    name: "instructions -> leading system message",
    input: { instructions: "Answer tersely.", input: "Hi" },
    expected: { ...base, messages: [{ role: "system", content: "Answer tersely." }, ...hi] },
  },
  {
    name: "roles user/assistant/system/developer; easy messages without type; text parts",
    input: {
      input: [
        { role: "developer", content: "Be kind." },
        { type: "message", role: "system", content: [{ type: "input_text", text: "A" }, { type: "input_text", text: "B" }] },
        { role: "user", content: [{ type: "input_text", text: "q1" }] },
        { type: "message", role: "assistant", id: "msg_1", status: "completed", content: [{ type: "output_text", text: "a1", annotations: [] }] },
        { role: "assistant", content: "a2" },
        { role: "user", content: "q2" },
      ],
    },
    expected: {
      ...base,
      messages: [
        { role: "developer", content: "Be kind." },
        { role: "system", content: "A\n\nB" },
        { role: "user", content: "q1" },
        { role: "assistant", content: "a1" },
        { role: "assistant", content: "a2" },
        { role: "user", content: "q2" },
      ],
    },
  },
  {
    name: "input_image url and data URL (detail kept, 'original' dropped), input_file -> file part",
    input: {
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "Compare" },
            { type: "input_image", image_url: "https://example.com/cat.png", detail: "low" },
            { type: "input_image", image_url: "data:image/png;base64,iVBOR", detail: "original" },
            { type: "input_file", filename: "spec.pdf", file_data: "data:application/pdf;base64,JVBE" },
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
            { type: "text", text: "Compare" },
            { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "low" } },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBOR" } },
            { type: "file", file: { file_data: "data:application/pdf;base64,JVBE", filename: "spec.pdf" } },
          ],
        },
      ],
    },
  },
  {
    name: "consecutive function_calls -> one assistant message; outputs -> tool messages (D.1 example)",
    input: {
      input: [
        { role: "user", content: "Weather in Oslo and the time?" },
        call("call_7"),
        call("call_8", "{}", "get_time"),
        { type: "function_call_output", call_id: "call_7", output: '{"temp_c":4}' },
        { type: "function_call_output", call_id: "call_8", output: "12:00" },
      ],
      tools: [weather, timeTool],
    },
    expected: {
      ...base,
      messages: [
        { role: "user", content: "Weather in Oslo and the time?" },
        { role: "assistant", content: null, tool_calls: [callOut("call_7"), callOut("call_8", "{}", "get_time")] },
        { role: "tool", tool_call_id: "call_7", content: '{"temp_c":4}' },
        { role: "tool", tool_call_id: "call_8", content: "12:00" },
      ],
      tools: [weatherOut, timeOut],
    },
  },
  {
    name: "assistant text then its calls (a replayed output) -> one assistant message",
    input: {
      input: [
        { role: "user", content: "Weather?" },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "Checking.", annotations: [] }] },
        call("call_7"),
        { type: "function_call_output", call_id: "call_7", output: "4" },
      ],
    },
    expected: {
      ...base,
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: "Checking.", tool_calls: [callOut("call_7")] },
        { role: "tool", tool_call_id: "call_7", content: "4" },
      ],
    },
  },
  {
    name: "text after the calls of a turn joins that turn",
    input: { input: [{ role: "user", content: "x" }, call("call_7"), { role: "assistant", content: "Done." }] },
    expected: { ...base, messages: [{ role: "user", content: "x" }, { role: "assistant", content: "Done.", tool_calls: [callOut("call_7")] }] },
  },
  {
    name: "function_call_output with parts: text joined, images follow the run of tool messages",
    input: {
      input: [
        { role: "user", content: "Screenshots?" },
        call("c1", "{}"),
        call("c2", "{}"),
        {
          type: "function_call_output",
          call_id: "c1",
          output: [
            { type: "input_text", text: "shot 1" },
            { type: "input_image", image_url: "data:image/png;base64,AAA" },
          ],
        },
        { type: "function_call_output", call_id: "c2", output: [{ type: "input_text", text: "none" }] },
      ],
    },
    expected: {
      ...base,
      messages: [
        { role: "user", content: "Screenshots?" },
        { role: "assistant", content: null, tool_calls: [callOut("c1", "{}"), callOut("c2", "{}")] },
        { role: "tool", tool_call_id: "c1", content: "shot 1" },
        { role: "tool", tool_call_id: "c2", content: "none" },
        { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AAA" } }] },
      ],
    },
  },
  {
    name: "reasoning without encrypted content (summary only, or OpenAI's own) is dropped",
    input: {
      input: [
        { role: "user", content: "q" },
        { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "thought" }] },
        { type: "reasoning", id: "rs_2", summary: [], encrypted_content: "gAAAAABo-openai-blob" },
        { role: "assistant", content: "a" },
      ],
    },
    expected: { ...base, messages: [{ role: "user", content: "q" }, { role: "assistant", content: "a" }] },
  },
  {
    name: "reasoning with this gateway's encrypted content -> thinking_blocks + reasoning_content on its turn",
    input: {
      input: [
        { role: "user", content: "Weather?" },
        { type: "reasoning", id: "rs_1", summary: [], encrypted_content: encodeThinking(signed) },
        call("call_7"),
        { type: "function_call_output", call_id: "call_7", output: "4" },
      ],
    },
    expected: {
      ...base,
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: null, reasoning_content: "Need weather.", thinking_blocks: signed, tool_calls: [callOut("call_7")] },
        { role: "tool", tool_call_id: "call_7", content: "4" },
      ],
    },
  },
  {
    name: "assistant refusal part -> refusal field",
    input: { input: [{ role: "user", content: "q" }, { role: "assistant", content: [{ type: "refusal", refusal: "No." }] }] },
    expected: { ...base, messages: [{ role: "user", content: "q" }, { role: "assistant", content: null, refusal: "No." }] },
  },
  {
    name: "tool_choice forms, parallel_tool_calls",
    input: { input: "Hi", tools: [weather], tool_choice: { type: "function", name: "get_weather" }, parallel_tool_calls: false },
    expected: { ...base, messages: hi, tools: [weatherOut], tool_choice: { type: "function", function: { name: "get_weather" } }, parallel_tool_calls: false },
  },
  {
    name: "tool_choice required",
    input: { input: "Hi", tools: [weather], tool_choice: "required" },
    expected: { ...base, messages: hi, tools: [weatherOut], tool_choice: "required" },
  },
  {
    name: "tool_choice allowed_tools -> narrowed tool list",
    input: { input: "Hi", tools: [weather, timeTool], tool_choice: { type: "allowed_tools", mode: "required", tools: [{ type: "function", name: "get_time" }] } },
    expected: { ...base, messages: hi, tools: [timeOut], tool_choice: "required" },
  },
  {
    name: "tool_choice and parallel_tool_calls without tools are dropped",
    input: { input: "Hi", tools: [], tool_choice: "auto", parallel_tool_calls: true },
    expected: { ...base, messages: hi },
  },
  {
    name: "sampling, limits, reasoning effort, metadata, user, safety_identifier; store/include/truncation ignored",
    input: {
      input: "Hi",
      temperature: 0.2,
      top_p: 0.9,
      max_output_tokens: 500,
      reasoning: { effort: "low", summary: "auto" },
      metadata: { k: "v" },
      user: "u1",
      safety_identifier: "s1",
      store: true,
      include: ["reasoning.encrypted_content"],
      truncation: "disabled",
      service_tier: "auto",
    },
    expected: {
      ...base,
      messages: hi,
      max_completion_tokens: 500,
      reasoning_effort: "low",
      temperature: 0.2,
      top_p: 0.9,
      metadata: { k: "v" },
      user: "u1",
      safety_identifier: "s1",
    },
  },
  {
    name: "max_output_tokens is capped at the model's output limit",
    input: { input: "Hi", max_output_tokens: 100000 },
    expected: { ...base, messages: hi, max_completion_tokens: 8192 },
  },
  {
    name: "text.format json_schema -> response_format",
    input: { input: "Hi", text: { format: { type: "json_schema", name: "w", schema: { type: "object" }, strict: true, description: "d" }, verbosity: "low" } },
    expected: { ...base, messages: hi, response_format: { type: "json_schema", json_schema: { name: "w", schema: { type: "object" }, description: "d", strict: true } } },
  },
  {
    name: "text.format json_object and text",
    input: { input: "Hi", text: { format: { type: "json_object" } } },
    expected: { ...base, messages: hi, response_format: { type: "json_object" } },
  },
  {
    name: "text.format text adds nothing",
    input: { input: "Hi", text: { format: { type: "text" } } },
    expected: { ...base, messages: hi },
  },
  {
    name: "stream -> stream + include_usage",
    input: { input: "Hi", stream: true, stream_options: { include_obfuscation: false } },
    expected: { ...base, messages: hi, stream: true, stream_options: { include_usage: true } },
  },
  {
    name: "null stateful fields are fine",
    input: { input: "Hi", previous_response_id: null, conversation: null, background: false, prompt: null },
    expected: { ...base, messages: hi },
  },
];

describe("responsesToChatRequest", () => {
  for (const c of cases) {
    test(c.name, () => {
      expect(responsesToChatRequest(c.input, ctx)).toEqual(c.expected);
    });
  }
});

interface Rejection {
  name: string;
  input: Json;
  param: string;
  message: RegExp;
}

const rejections: Rejection[] = [
  { name: "previous_response_id", input: { input: "Hi", previous_response_id: "resp_1" }, param: "previous_response_id", message: /stateless/ },
  { name: "conversation", input: { input: "Hi", conversation: "conv_1" }, param: "conversation", message: /stateless/ },
  { name: "background", input: { input: "Hi", background: true }, param: "background", message: /stateless/ },
  { name: "stored prompt", input: { prompt: { id: "pmpt_1" } }, param: "prompt", message: /only available on OpenAI models/ },
  {
    name: "built-in tool web_search",
    input: { input: "Hi", tools: [weather, { type: "web_search" }] },
    param: "tools",
    message: /built-in tool web_search is only available on OpenAI models/,
  },
  ...["file_search", "code_interpreter", "computer_use_preview", "image_generation", "mcp", "local_shell"].map((type) => ({
    name: `built-in tool ${type}`,
    input: { input: "Hi", tools: [{ type }] },
    param: "tools",
    message: new RegExp(`built-in tool ${type} is only available on OpenAI models`),
  })),
  { name: "custom tool", input: { input: "Hi", tools: [{ type: "custom", name: "x" }] }, param: "tools", message: /Custom tools/ },
  {
    name: "built-in tool_choice",
    input: { input: "Hi", tools: [weather], tool_choice: { type: "web_search_preview" } },
    param: "tool_choice",
    message: /built-in tool web_search_preview is only available on OpenAI models/,
  },
  { name: "tool_choice naming an unknown function", input: { input: "Hi", tools: [weather], tool_choice: { type: "function", name: "nope" } }, param: "tool_choice", message: /nope/ },
  { name: "tool_choice required without tools", input: { input: "Hi", tool_choice: "required" }, param: "tool_choice", message: /no tools/ },
  { name: "item_reference", input: { input: [{ type: "item_reference", id: "msg_1" }] }, param: "input[0]", message: /stateless/ },
  {
    name: "built-in tool call item in input",
    input: { input: [{ role: "user", content: "q" }, { type: "web_search_call", id: "ws_1", status: "completed" }] },
    param: "input[1]",
    message: /built-in tool/,
  },
  {
    name: "input_image by file_id",
    input: { input: [{ role: "user", content: [{ type: "input_image", file_id: "file-1", detail: "auto" }] }] },
    param: "input[0].content[0]",
    message: /file_id/,
  },
  {
    name: "input_file by file_id",
    input: { input: [{ role: "user", content: [{ type: "input_file", file_id: "file-1" }] }] },
    param: "input[0].content[0]",
    message: /file_id/,
  },
  { name: "image in a system message", input: { input: [{ role: "system", content: [{ type: "input_image", image_url: "x" }] }, ...hi] }, param: "input[0].content[0]", message: /input_text/ },
  { name: "unknown role", input: { input: [{ role: "tool", content: "x" }] }, param: "input[0].role", message: /role/ },
  { name: "function_call without call_id", input: { input: [{ type: "function_call", name: "f", arguments: "{}" }] }, param: "input[0]", message: /call_id/ },
  { name: "no input", input: { instructions: "Be brief." }, param: "input", message: /input is required/ },
  { name: "unsupported text.format", input: { input: "Hi", text: { format: { type: "grammar" } } }, param: "text.format", message: /grammar/ },
];

describe("responsesToChatRequest rejects what a chat upstream cannot carry", () => {
  for (const r of rejections) {
    test(r.name, () => {
      let caught: unknown;
      try {
        responsesToChatRequest(r.input, ctx);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(TranslationError);
      const err = caught as TranslationError;
      expect(err.param).toBe(r.param);
      expect(err.message).toMatch(r.message);
    });
  }
});
