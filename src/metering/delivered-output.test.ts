import { describe, expect, test } from "bun:test";
import { DeliveredOutput } from "./delivered-output.ts";
import { countTextTokens } from "./tokenizer.ts";

/** Splits text into stream-like deltas of 1-7 characters (deterministic). */
function deltas(text: string): string[] {
  const out: string[] = [];
  for (let i = 0, n = 1; i < text.length; i += n, n = (n % 7) + 1) out.push(text.slice(i, i + n));
  return out;
}

const prose = "The quick brown fox jumps over the lazy dog; then it writes code: `const add = (a, b) => a + b;` and explains it. ";
const cases: { name: string; text: string; tolerance: number }[] = [
  { name: "nothing", text: "", tolerance: 0 },
  { name: "a short answer", text: "Hello! How can I help you today?", tolerance: 0 },
  { name: "a long answer (several folds)", text: prose.repeat(200), tolerance: 0.002 },
  { name: "Indonesian and emoji", text: "Terima kasih sudah menunggu 🙏 Berikut jawabannya: ".repeat(100), tolerance: 0.005 },
  { name: "a long run without spaces (base64)", text: Buffer.from(prose.repeat(60)).toString("base64"), tolerance: 0.005 },
  { name: "tool-call JSON fragments", text: JSON.stringify({ city: "Jakarta", days: [1, 2, 3], units: "metric" }).repeat(150), tolerance: 0.005 },
];

describe("delivered output is counted with the tokenizer", () => {
  for (const c of cases) {
    test(`${c.name}: the count matches counting the whole text`, () => {
      const out = new DeliveredOutput();
      for (const d of deltas(c.text)) out.add(d);
      const whole = c.text === "" ? 0 : countTextTokens(c.text);
      const got = out.tokens();
      expect(Math.abs(got - whole)).toBeLessThanOrEqual(Math.ceil(whole * c.tolerance));
    });
  }

  test("tokens() can be asked again as more arrives", () => {
    const out = new DeliveredOutput();
    out.add("Hello");
    expect(out.tokens()).toBe(countTextTokens("Hello"));
    out.add(" world");
    expect(out.tokens()).toBe(countTextTokens("Hello") + countTextTokens(" world"));
  });

  test("digits count as the tokenizer splits them (three a token), not as characters/4", () => {
    const text = "1234567890".repeat(100);
    const out = new DeliveredOutput();
    for (const d of deltas(text)) out.add(d);
    expect(out.tokens()).toBe(countTextTokens(text));
    expect(out.tokens()).toBeGreaterThan(Math.ceil(text.length / 4));
  });
});
