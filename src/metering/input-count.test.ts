import { describe, expect, test } from "bun:test";
import { countInputTokens } from "./input-count.ts";
import { estimateInputTokens } from "./estimate.ts";
import { countRequestTokens } from "./tokenizer.ts";

const ctx = { publicModel: "m", upstreamModel: "m-up", maxOutput: 4096, flags: { reasoning: true, vision: true } };
// A 1x1 PNG padded with a large text chunk: ~300 KB of base64 that is one small image.
const png = Buffer.concat([
  Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489", "hex"),
  Buffer.alloc(220_000, 0x41),
]).toString("base64");

describe("input of a request nobody reported usage for", () => {
  const text = "Summarise the attached picture in one sentence.";
  const cases: { name: string; api: "chat" | "messages" | "responses"; body: Record<string, unknown> }[] = [
    { name: "openai chat", api: "chat", body: { model: "m", messages: [{ role: "user", content: text }] } },
    { name: "anthropic messages", api: "messages", body: { model: "m", max_tokens: 100, messages: [{ role: "user", content: text }] } },
    { name: "openai responses", api: "responses", body: { model: "m", input: text } },
  ];
  for (const c of cases) {
    test(`${c.name}: counted like count_tokens counts the same conversation`, () => {
      const got = countInputTokens(c.api, c.body, ctx, JSON.stringify(c.body));
      expect(got).toBe(countRequestTokens({ messages: [{ role: "user", content: text }] }).total);
    });
  }

  test("an inline image counts as an image, not as its base64", () => {
    const body = { model: "m", messages: [{ role: "user", content: [{ type: "text", text }, { type: "image_url", image_url: { url: `data:image/png;base64,${png}` } }] }] };
    const sent = JSON.stringify(body);
    const got = countInputTokens("chat", body, ctx, sent);
    expect(got).toBeLessThan(2_000);
    expect(estimateInputTokens(sent)).toBeGreaterThan(90_000);
  });

  test("a request the translation cannot carry falls back to the byte estimate", () => {
    const body = { model: "m", input: "hi", tools: [{ type: "web_search" }] };
    const sent = JSON.stringify(body);
    expect(countInputTokens("responses", body, ctx, sent)).toBe(estimateInputTokens(sent));
  });
});
