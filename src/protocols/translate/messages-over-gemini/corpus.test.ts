// Runs the recorded-shape Gemini transcripts of test/corpus/gemini through both translators.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TranslateContext, WireEvent } from "../types.ts";
import { geminiToMessagesResponse } from "./response.ts";
import { decodeToolUseId } from "./signatures.ts";
import { GeminiToMessagesStream } from "./stream.ts";

type Json = Record<string, unknown>;

interface Transcript {
  description: string;
  context: { upstreamModel: string };
  stream?: Json[];
  response?: Json;
  expected?: { id: string; content: Json[]; stop_reason: string; usage: Json };
  expected_error?: { type: string; message: string };
}

const DIR = join(import.meta.dir, "../../../../test/corpus/gemini");
const files = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();

function ctxOf(t: Transcript): TranslateContext {
  return { publicModel: "public-model", upstreamModel: t.context.upstreamModel, maxOutput: 65536, flags: { reasoning: true, vision: true } };
}

/** Anthropic events folded into a message, the way the SDK's MessageStream does it. */
function fold(events: WireEvent[]): Json {
  let message: Json | null = null;
  const content: Json[] = [];
  const json: string[] = [];
  for (const { event, data } of events) {
    const d = data as Json;
    if (event === "message_start") message = { ...(d.message as Json) };
    else if (!message) throw new Error(`${event} before message_start`);
    else if (event === "content_block_start") {
      expect(d.index).toBe(content.length);
      content.push({ ...(d.content_block as Json) });
      json.push("");
    } else if (event === "content_block_delta") {
      const i = Number(d.index);
      const block = content[i] as Json;
      const delta = d.delta as Json;
      if (delta.type === "text_delta") block.text = String(block.text) + String(delta.text);
      if (delta.type === "thinking_delta") block.thinking = String(block.thinking) + String(delta.thinking);
      if (delta.type === "signature_delta") block.signature = delta.signature;
      if (delta.type === "input_json_delta") json[i] += String(delta.partial_json);
    } else if (event === "content_block_stop") {
      const i = Number(d.index);
      if ((content[i] as Json).type === "tool_use") (content[i] as Json).input = JSON.parse(json[i] || "{}");
    } else if (event === "message_delta") {
      const delta = d.delta as Json;
      message.stop_reason = delta.stop_reason;
      message.usage = { ...(message.usage as Json), ...(d.usage as Json) };
    }
  }
  return { ...message, content };
}

/** Ids and citations in the shape the corpus states them. */
function normalise(msg: Json): Json {
  const content = (msg.content as Json[]).map((b) => {
    const { citations: _c, ...rest } = b;
    if (rest.type !== "tool_use") return rest;
    const { id, ...call } = rest;
    const ref = decodeToolUseId(String(id));
    return { ...call, type: "tool_use", id_ref: Object.keys(ref).length === 0 ? "random" : ref };
  });
  return { id: msg.id, content, stop_reason: msg.stop_reason, usage: msg.usage };
}

function ordered(b: Json): Json {
  return Object.fromEntries(Object.entries(b).sort(([a], [c]) => a.localeCompare(c)));
}

describe("Gemini corpus", () => {
  test("is not empty", () => expect(files.length).toBeGreaterThanOrEqual(10));

  for (const file of files) {
    const t = JSON.parse(readFileSync(join(DIR, file), "utf8")) as Transcript;
    const expected = t.expected ? { ...t.expected, content: t.expected.content.map(ordered) } : undefined;

    if (t.response && expected) {
      test(`${file}: generateContent`, () => {
        const got = normalise(geminiToMessagesResponse(t.response, ctxOf(t)));
        expect({ ...got, content: (got.content as Json[]).map(ordered) }).toEqual(expected);
      });
    }

    if (t.stream) {
      test(`${file}: streamGenerateContent`, () => {
        const tr = new GeminiToMessagesStream(ctxOf(t));
        const events: WireEvent[] = [];
        for (const data of t.stream ?? []) events.push(...tr.push({ event: "", data }));
        if (t.expected_error) {
          expect(tr.state).toBe("errored");
          expect(tr.upstreamError).toEqual(t.expected_error);
          return;
        }
        expect(tr.state).toBe("complete");
        events.push(...tr.finish());
        if (!expected) throw new Error(`${file}: a complete stream needs "expected"`);
        const got = normalise(fold(events));
        expect({ ...got, content: (got.content as Json[]).map(ordered) }).toEqual(expected);
      });
    }
  }
});
