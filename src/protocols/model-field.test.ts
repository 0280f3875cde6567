import { describe, expect, test } from "bun:test";
import { rewriteModelField } from "./model-field.ts";

const cases: { name: string; input: string; expected: string }[] = [
  {
    name: "OpenAI chunk: top-level model",
    input: '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-x-2026","choices":[]}',
    expected: '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"pub","choices":[]}',
  },
  {
    name: "Anthropic message_start: model under message",
    input: 'event: message_start\ndata: {"type":"message_start","message":{"id":"m","model":"claude-x","content":[]}}\n\n',
    expected: 'event: message_start\ndata: {"type":"message_start","message":{"id":"m","model":"pub","content":[]}}\n\n',
  },
  {
    name: "a model key inside tool input is left alone",
    input: '{"content":[{"type":"tool_use","input":{"model":"keep-me"}}],"model":"claude-x"}',
    expected: '{"content":[{"type":"tool_use","input":{"model":"keep-me"}}],"model":"pub"}',
  },
  {
    name: "escaped quotes and a model-looking string in content",
    input: '{"text":"say \\"model\\":\\"x\\" \\\\","model":"up"}',
    expected: '{"text":"say \\"model\\":\\"x\\" \\\\","model":"pub"}',
  },
  { name: "whitespace around the colon", input: '{ "model" : "up" , "a":1}', expected: '{ "model" : "pub" , "a":1}' },
  { name: "no model field: unchanged", input: '{"type":"ping"}', expected: '{"type":"ping"}' },
  { name: "nested under an unrelated key: unchanged", input: '{"meta":{"model":"x"}}', expected: '{"meta":{"model":"x"}}' },
  { name: "non-string model: unchanged", input: '{"model":null}', expected: '{"model":null}' },
];

describe("rewriteModelField", () => {
  for (const c of cases) {
    test(c.name, () => {
      expect(rewriteModelField(c.input, "pub")).toBe(c.expected);
    });
  }
  test("escapes the replacement as JSON", () => {
    expect(rewriteModelField('{"model":"a"}', 'we"ird')).toBe('{"model":"we\\"ird"}');
  });
});
