import { describe, expect, test } from "bun:test";
import { checkCapabilities } from "./capabilities.ts";
import type { Json } from "./json.ts";
import { testCtx } from "./testing.ts";
import { TranslationError } from "./types.ts";

const plain = testCtx({ publicModel: "small-1", flags: { reasoning: false, vision: false } });
const capable = testCtx();
const imageMsg = (part: Json): Json[] => [{ role: "user", content: [{ type: "text", text: "look" }, part] }];

interface Case {
  name: string;
  protocol: "openai" | "anthropic";
  body: Json;
  /** [param, message] of the expected error, or null when the request may pass. */
  expected: [string, string] | null;
}

const images: [string, string] = ["messages", "The model 'small-1' does not accept images"];

const cases: Case[] = [
  { name: "openai text only", protocol: "openai", body: { messages: [{ role: "user", content: "hi" }] }, expected: null },
  {
    name: "openai image_url",
    protocol: "openai",
    body: { messages: imageMsg({ type: "image_url", image_url: { url: "https://x/a.png" } }) },
    expected: images,
  },
  {
    name: "openai image as file part",
    protocol: "openai",
    body: { messages: imageMsg({ type: "file", file: { file_data: "data:image/png;base64,AA" } }) },
    expected: images,
  },
  {
    name: "openai PDF file is not an image",
    protocol: "openai",
    body: { messages: imageMsg({ type: "file", file: { file_data: "data:application/pdf;base64,AA" } }) },
    expected: null,
  },
  {
    name: "openai reasoning_effort",
    protocol: "openai",
    body: { messages: [], reasoning_effort: "low" },
    expected: ["reasoning_effort", "The model 'small-1' does not support reasoning"],
  },
  { name: "openai reasoning_effort none", protocol: "openai", body: { messages: [], reasoning_effort: "none" }, expected: null },
  {
    name: "anthropic image block",
    protocol: "anthropic",
    body: { messages: imageMsg({ type: "image", source: { type: "url", url: "https://x" } }) },
    expected: images,
  },
  {
    name: "anthropic image inside a tool result",
    protocol: "anthropic",
    body: {
      messages: imageMsg({
        type: "tool_result",
        tool_use_id: "t",
        content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "AA" } }],
      }),
    },
    expected: images,
  },
  {
    name: "anthropic thinking enabled",
    protocol: "anthropic",
    body: { messages: [], thinking: { type: "enabled", budget_tokens: 2048 } },
    expected: ["thinking", "The model 'small-1' does not support reasoning"],
  },
  {
    name: "anthropic adaptive thinking",
    protocol: "anthropic",
    body: { messages: [], thinking: { type: "adaptive" } },
    expected: ["thinking", "The model 'small-1' does not support reasoning"],
  },
  { name: "anthropic thinking disabled", protocol: "anthropic", body: { messages: [], thinking: { type: "disabled" } }, expected: null },
];

describe("checkCapabilities", () => {
  test.each(cases)("$name", ({ protocol, body, expected }) => {
    // A capable model accepts everything.
    expect(() => checkCapabilities(protocol, body, capable)).not.toThrow();
    let caught: unknown = null;
    try {
      checkCapabilities(protocol, body, plain);
    } catch (e) {
      caught = e;
    }
    if (expected === null) return expect(caught).toBeNull();
    expect(caught).toBeInstanceOf(TranslationError);
    expect([(caught as TranslationError).param, (caught as TranslationError).message]).toEqual(expected);
  });
});
