import { describe, expect, test } from "bun:test";
import { anthropicEventText, IdleReader, openaiChunkText, soleString } from "./stream-common.ts";

// The short way must agree with parsing the whole event wherever it answers at all: a cut
// stream is billed from the text they read.
const openaiChunks: [string, string][] = [
  ["plain text", `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hello there"},"finish_reason":null}]}`],
  ["escaped quote, newline and unicode", `{"choices":[{"index":0,"delta":{"content":"say \\"hi\\"\\n\\u00e9\\\\"}}]}`],
  ["astral characters", `{"choices":[{"index":0,"delta":{"content":"😀 ok"}}]}`],
  ["content null", `{"choices":[{"index":0,"delta":{"role":"assistant","content":null}}]}`],
  ["role only", `{"choices":[{"index":0,"delta":{"role":"assistant"}}]}`],
  ["space after the colon", `{"choices":[{"index":0,"delta":{"content": "spaced"}}]}`],
  ["text mentioning a content key", `{"choices":[{"index":0,"delta":{"content":"{\\"content\\": 1}"}}]}`],
];

describe("soleString agrees with a full parse", () => {
  for (const [name, json] of openaiChunks) {
    test(`openai: ${name}`, () => {
      expect(soleString(json, '"content":')).toBe(openaiChunkText(JSON.parse(json)));
    });
  }

  test("anthropic text delta", () => {
    const json = `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\\tb \\"c\\""}}`;
    expect(soleString(json, '"text":')).toBe(anthropicEventText(JSON.parse(json)));
  });
});

describe("soleString declines what it cannot read alone", () => {
  const cases: [string, string][] = [
    ["two choices in one chunk", `{"choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"content":"bc"}}]}`],
    ["content as an array of parts", `{"choices":[{"index":0,"delta":{"content":[{"type":"text","text":"x"}]}}]}`],
    ["unterminated string", `{"choices":[{"index":0,"delta":{"content":"abc`],
  ];
  for (const [name, json] of cases) {
    test(name, () => {
      expect(soleString(json, '"content":')).toBeNull();
    });
  }
});

describe("generated text: what a cut stream's output is counted from", () => {
  const cases: [string, () => string, string][] = [
    ["openai tool-call fragments", () => openaiChunkText({ choices: [{ delta: { tool_calls: [{ index: 0, function: { name: "get_weather", arguments: '{"city":' } }] } }] }), 'get_weather{"city":'],
    ["openai reasoning and text", () => openaiChunkText({ choices: [{ delta: { reasoning_content: "think ", content: "answer" } }] }), "think answer"],
    ["openai whole completion (non-streamed)", () => openaiChunkText({ id: "x", choices: [{ message: { role: "assistant", content: "Hi there" } }], usage: null }), "Hi there"],
    ["openai envelope only", () => openaiChunkText({ id: "x", object: "chat.completion.chunk", choices: [{ delta: { role: "assistant" } }] }), ""],
    ["anthropic thinking", () => anthropicEventText({ type: "content_block_delta", delta: { type: "thinking_delta", thinking: "hmm" } }), "hmm"],
    ["anthropic tool input JSON", () => anthropicEventText({ type: "content_block_delta", delta: { type: "input_json_delta", partial_json: '{"a":1' } }), '{"a":1'],
    ["anthropic signature (not output text)", () => anthropicEventText({ type: "content_block_delta", delta: { type: "signature_delta", signature: "EqQB" } }), ""],
  ];
  for (const [name, run, want] of cases) {
    test(name, () => {
      expect(run()).toBe(want);
    });
  }
});

describe("IdleReader", () => {
  function chunks(script: { delayMs: number; text?: string }[]): { read(): Promise<{ done: boolean; value?: Uint8Array }> } {
    const steps = [...script];
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        const step = steps.shift();
        if (!step) return controller.close();
        await Bun.sleep(step.delayMs);
        if (step.text === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(step.text));
      },
    }).getReader();
  }

  test("chunks that each arrive within the idle time are read, then the end", async () => {
    // Wide margins: a loaded CI machine can fire a 20 ms timer late, not 10x late.
    const r = new IdleReader(chunks([{ delayMs: 20, text: "a" }, { delayMs: 20, text: "b" }, { delayMs: 0 }]), 200);
    const kinds = [(await r.read()).kind, (await r.read()).kind, (await r.read()).kind];
    r.close();
    expect(kinds).toEqual(["chunk", "chunk", "end"]);
  });

  test("a read that waits past the idle time answers idle, though the stream was busy before", async () => {
    const r = new IdleReader(chunks([{ delayMs: 0, text: "a" }, { delayMs: 300, text: "late" }]), 80);
    expect((await r.read()).kind).toBe("chunk");
    const t0 = performance.now();
    expect((await r.read()).kind).toBe("idle");
    expect(performance.now() - t0).toBeLessThan(250);
    r.close();
  });

  test("time spent between reads (a slow client) is not idle time", async () => {
    const r = new IdleReader(chunks([{ delayMs: 0, text: "a" }, { delayMs: 20, text: "b" }]), 60);
    expect((await r.read()).kind).toBe("chunk");
    await Bun.sleep(150);
    expect((await r.read()).kind).toBe("chunk");
    r.close();
  });
});
