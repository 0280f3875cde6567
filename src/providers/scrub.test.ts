import { describe, expect, test } from "bun:test";
import { scrubUpstreamMessage } from "./scrub.ts";

describe("scrubUpstreamMessage", () => {
  test.each([
    ["Incorrect API key provided: sk-proj-abcdef123456. See https://platform.openai.com/account", "Incorrect API key provided: [redacted]. See [url]"],
    ["Anthropic is overloaded", "upstream is overloaded"],
    ["Gemini mock: models/gemini-3-flash is not found", "upstream mock: models/gemini-3-flash is not found"],
    ["see api.openai.com", "see api.upstream.com"],
    ["request req_011CSHoEeqs5C35K2UUqR7Fy failed", "request [id] failed"],
    // Public model ids that contain a provider's name survive.
    ["deepseek-v4-pro, mimo-v2-flash, minimax-m2.7 and gemini-3.1-pro are fine", "deepseek-v4-pro, mimo-v2-flash, minimax-m2.7 and gemini-3.1-pro are fine"],
  ])("%p", (input, expected) => expect(scrubUpstreamMessage(input, {})).toBe(expected));

  test("the upstream host and model id are replaced", () => {
    expect(scrubUpstreamMessage("claude-opus-4-7 at 10.0.0.5:8443 failed", { host: "10.0.0.5:8443", upstreamModel: "claude-opus-4-7", publicModel: "claude-opus-4.7" })).toBe(
      "claude-opus-4.7 at upstream failed",
    );
  });
});
