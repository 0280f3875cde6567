import { describe, expect, test } from "bun:test";
import { costMicro, creditsToMicro, formatScaled, microToUsd } from "./money.ts";

describe("money", () => {
  test.each([
    ["200", 200_000_000n],
    ["0.25", 250_000n],
    ["0.000001", 1n],
    ["-3", -3_000_000n],
    [2, 2_000_000n],
  ] as const)("creditsToMicro(%p)", (input, micro) => expect(creditsToMicro(input)).toBe(micro));

  test.each(["0.0000001", "abc", "1e3", ""])("creditsToMicro rejects %p", (bad) => {
    expect(() => creditsToMicro(bad)).toThrow();
  });

  test.each([
    // The architecture's own example: 20 input tokens at 200 credits/1M = 4000 micro-credits = $0.00004.
    [4000n, "0.01", "0.00004"],
    [1_000_000n, "0.01", "0.01"],
    [0n, "0.01", "0"],
    [123_456_789n, "0.015", "1.851851835"],
    [-5n, "1", "-0.000005"],
  ] as const)("microToUsd(%p, %p) = %p", (micro, rate, usd) => expect(microToUsd(micro, rate)).toBe(usd));

  test("formatScaled trims trailing zeros only in the fraction", () => {
    expect(formatScaled(1_000n, 3)).toBe("1");
    expect(formatScaled(10_500n, 3)).toBe("10.5");
    expect(formatScaled(7n, 3)).toBe("0.007");
  });

  const prices = { input: 200_000_000n, output: 600_000_000n, cacheRead: 20_000_000n, cacheWrite: 250_000_000n };
  test.each([
    [{ inputTokens: 20, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, 4000n],
    [{ inputTokens: 20, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, 10_000n],
    [{ inputTokens: 0, outputTokens: 0, cacheReadTokens: 1000, cacheWriteTokens: 100, reasoningTokens: 0 }, 20_000n + 25_000n],
    // Reasoning is part of output: it is not added a second time.
    [{ inputTokens: 0, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 5 }, 3000n],
  ])("costMicro %#", (usage, expected) => expect(costMicro(usage, prices)).toBe(expected));

  test("a fractional micro-credit rounds up once per request", () => {
    const odd = { input: 1n, output: 0n, cacheRead: 0n, cacheWrite: 0n };
    expect(costMicro({ inputTokens: 3, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, odd)).toBe(1n);
  });
});
