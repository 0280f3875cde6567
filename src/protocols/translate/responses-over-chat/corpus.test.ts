// Runs the transcripts of test/corpus/responses through the three responses-over-chat translators.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { asArray, asRecord, type Json } from "../json.ts";
import { testCtx } from "../testing.ts";
import { TranslationError, type TranslateContext, type WireEvent } from "../types.ts";
import { responsesToChatRequest } from "./request.ts";
import { chatToResponsesResponse } from "./response.ts";
import { decodeThinking } from "./shared.ts";
import { ChatToResponsesStream } from "./stream.ts";
import { accumulateResponses } from "./testing.ts";

interface Transcript {
  description: string;
  context?: { maxOutput?: number };
  request: Json;
  chat_request?: Json;
  stream?: unknown[];
  response?: Json;
  expected?: { status: string; incomplete_details: Json | null; output: Json[]; usage: Json };
  expected_error?: { type: string; message: string };
  expected_request_error?: { param: string; message: string };
}

const DIR = join(import.meta.dir, "../../../../test/corpus/responses");
const files = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();

function ctxOf(t: Transcript): TranslateContext {
  return testCtx(t.context?.maxOutput ? { maxOutput: t.context.maxOutput } : {});
}

/** The response in the corpus' terms: items without ids, encrypted content decoded. */
function normalise(response: Json): Json {
  const output = asArray(response.output).map((raw) => {
    const { id, encrypted_content, ...item } = asRecord(raw) ?? {};
    expect(String(id)).toMatch(/^(msg|rs|fc)_/);
    if (encrypted_content !== undefined) item.encrypted_thinking = decodeThinking(encrypted_content);
    return item;
  });
  return { status: response.status, incomplete_details: response.incomplete_details, output, usage: response.usage };
}

/** Key order is not part of the wire format. */
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  const r = asRecord(v);
  return r ? Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sorted(x)])) : v;
}

describe("Responses corpus", () => {
  test("is not empty", () => expect(files.length).toBeGreaterThanOrEqual(12));

  for (const file of files) {
    const t = JSON.parse(readFileSync(join(DIR, file), "utf8")) as Transcript;
    const ctx = ctxOf(t);

    if (t.expected_request_error) {
      test(`${file}: request refused`, () => {
        let caught: unknown;
        try {
          responsesToChatRequest(t.request, ctx);
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(TranslationError);
        expect({ param: (caught as TranslationError).param, message: (caught as TranslationError).message }).toEqual(t.expected_request_error!);
      });
      continue;
    }

    test(`${file}: request`, () => {
      const chat = responsesToChatRequest(t.request, ctx);
      if (t.chat_request) expect(sorted(chat)).toEqual(sorted(t.chat_request));
    });

    if (t.response && t.expected) {
      test(`${file}: chat.completion`, () => {
        expect(sorted(normalise(chatToResponsesResponse(t.response!, ctx, t.request)))).toEqual(sorted(t.expected));
      });
    }

    if (t.stream) {
      test(`${file}: chat stream`, () => {
        const tr = new ChatToResponsesStream(ctx, t.request);
        const events: WireEvent[] = [];
        for (const data of t.stream ?? []) {
          events.push(...tr.push({ event: "", data }));
          if (tr.state !== "streaming") break;
        }
        if (t.expected_error) {
          expect(tr.state).toBe("errored");
          expect(tr.upstreamError).toEqual(t.expected_error);
          const acc = accumulateResponses([...events, ...tr.fail(tr.upstreamError!)]);
          expect(acc.terminal).toBe("response.failed");
          return;
        }
        expect(tr.state).toBe("complete");
        const acc = accumulateResponses([...events, ...tr.finish()]);
        if (!t.expected) throw new Error(`${file}: a complete stream needs "expected"`);
        expect(sorted(normalise(acc.response ?? {}))).toEqual(sorted(t.expected));
      });
    }
  }
});
