// Runs the recorded-shape transcripts in test/corpus/translate: each file holds an upstream
// payload (stream transcripts as SSE lines) and what the client must end up with.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createParser } from "eventsource-parser";
import { MessagesToChatStream } from "./chat-over-messages/stream.ts";
import { chatToMessagesRequest } from "./chat-over-messages/request.ts";
import { messagesToChatResponse } from "./chat-over-messages/response.ts";
import { asRecord, type Json } from "./json.ts";
import { messagesToChatRequest } from "./messages-over-chat/request.ts";
import { chatToMessagesResponse } from "./messages-over-chat/response.ts";
import { ChatToMessagesStream } from "./messages-over-chat/stream.ts";
import { accumulateChat, accumulateMessages, testCtx } from "./testing.ts";
import type { StreamTranslator, WireEvent } from "./types.ts";

const DIR = join(import.meta.dir, "../../../test/corpus/translate");

interface CorpusCase {
  name: string;
  description: string;
  kind: string;
  includeUsage?: boolean;
  extraUsage?: Json;
  upstream: unknown;
  expected: Json;
}

const corpus: CorpusCase[] = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => ({ name: f.replace(/\.json$/, ""), ...(JSON.parse(readFileSync(join(DIR, f), "utf8")) as Omit<CorpusCase, "name">) }));

/** Parses SSE text the way the relay does, fed in small pieces like a network read. */
function parseSse(lines: string[]): WireEvent[] {
  const events: WireEvent[] = [];
  const parser = createParser({
    onEvent: (e) => events.push({ event: e.event ?? "", data: e.data === "[DONE]" ? e.data : (JSON.parse(e.data) as unknown) }),
  });
  const text = lines.join("\n") + "\n";
  for (let i = 0; i < text.length; i += 7) parser.feed(text.slice(i, i + 7));
  return events;
}

function relay(t: StreamTranslator, upstream: WireEvent[], extra?: Json): WireEvent[] {
  const out: WireEvent[] = [];
  for (const e of upstream) {
    out.push(...t.push(e));
    if (t.state !== "streaming") break;
  }
  if (t.state === "complete") out.push(...t.finish(extra));
  else out.push(...t.fail(t.upstreamError ?? { type: "api_error", message: "upstream ended early" }));
  return out;
}

const ctx = testCtx();

const runners: Record<string, (c: CorpusCase) => void> = {
  "anthropic-stream-to-openai": (c) => {
    const t = new MessagesToChatStream(ctx, { includeUsage: c.includeUsage ?? false });
    const out = relay(t, parseSse(c.upstream as string[]), c.extraUsage);
    const result = accumulateChat(out);
    expect<unknown>({
      state: t.state,
      usage: t.usage(),
      message: result.message,
      finishReason: result.finishReason,
      clientUsage: result.usage,
      error: result.error,
    }).toEqual(c.expected);
    if (t.state === "complete") expect(result.done).toBe(true);
  },
  "openai-stream-to-anthropic": (c) => {
    const t = new ChatToMessagesStream(ctx);
    const out = relay(t, parseSse(c.upstream as string[]), c.extraUsage);
    const result = accumulateMessages(out);
    expect<unknown>({ state: t.state, usage: t.usage(), types: result.types, message: result.message, error: result.error }).toEqual(c.expected);
  },
  "anthropic-response-to-openai": (c) => {
    const out = messagesToChatResponse(asRecord(c.upstream)!, ctx);
    expect(out.created).toBeNumber();
    delete out.created;
    expect(out).toEqual(c.expected);
  },
  "openai-response-to-anthropic": (c) => {
    expect(chatToMessagesResponse(asRecord(c.upstream)!, ctx)).toEqual(c.expected);
  },
  "openai-request-to-anthropic": (c) => {
    expect(chatToMessagesRequest(asRecord(c.upstream)!, ctx)).toEqual(c.expected);
  },
  "anthropic-request-to-openai": (c) => {
    expect(messagesToChatRequest(asRecord(c.upstream)!, ctx)).toEqual(c.expected);
  },
};

describe("translation corpus", () => {
  test("corpus is present and every file has a known kind", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(15);
    for (const c of corpus) expect(Object.keys(runners)).toContain(c.kind);
  });

  test.each(corpus)("$name", (c) => {
    runners[c.kind]!(c);
  });
});
