// Property tests: a request or stream translated to the other protocol and back keeps its
// meaning (roles and text, images, tools, tool calls and results with ids, thinking,
// stop sequences, max tokens), and usage bills the same through either protocol.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { usageFromAnthropic, usageFromOpenAI, type TokenUsage } from "../usage.ts";
import { MessagesToChatStream } from "./chat-over-messages/stream.ts";
import { chatToMessagesRequest } from "./chat-over-messages/request.ts";
import { asArray, asRecord, asString, type Json } from "./json.ts";
import { anthropicUsageFrom, openAIUsageFrom } from "./mapping.ts";
import { messagesToChatRequest } from "./messages-over-chat/request.ts";
import { ChatToMessagesStream } from "./messages-over-chat/stream.ts";
import { accumulateChat, accumulateMessages, anthropicEvents, openAIChunks, testCtx } from "./testing.ts";
import type { StreamTranslator, WireEvent } from "./types.ts";

const ctx = testCtx();
const RUNS = { numRuns: 300 };

// ---------------------------------------------------------------------------------------
// generators

const word = fc.stringMatching(/^[a-zA-Z0-9]{1,8}$/);
const text = fc.array(word, { minLength: 1, maxLength: 5 }).map((w) => w.join(" "));
const b64 = fc.stringMatching(/^[A-Za-z0-9+/]{4,16}$/);
const imageUrl = fc.oneof(
  fc.tuple(fc.constantFrom("image/png", "image/jpeg"), b64).map(([t, d]) => `data:${t};base64,${d}`),
  word.map((w) => `https://example.com/${w}.png`),
);
const toolName = fc.constantFrom("get_weather", "search", "run_code");
const args = fc.dictionary(word, fc.oneof(word, fc.integer(), fc.boolean()), { maxKeys: 3 });
const stop = fc.option(fc.uniqueArray(word, { minLength: 1, maxLength: 4 }), { nil: undefined });
const maxTokens = fc.integer({ min: 1, max: ctx.maxOutput });

/** Unique ids across a conversation, matching both protocols' id rules. */
function idGen(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}${(n++).toString(36)}`;
}

// OpenAI side --------------------------------------------------------------------------

const chatUserPart = fc.oneof(
  text.map((t) => ({ type: "text", text: t })),
  imageUrl.map((url) => ({ type: "image_url", image_url: { url } })),
);
const chatUser = fc.oneof(text, fc.array(chatUserPart, { minLength: 1, maxLength: 3 }));

interface ChatExchange {
  user: unknown;
  system?: string;
  reply: { text?: string; calls: { name: string; args: Json; result: string }[]; after?: string };
}

const chatExchange: fc.Arbitrary<ChatExchange> = fc.record(
  {
    user: chatUser,
    system: text,
    reply: fc.record(
      {
        text: text,
        calls: fc.array(fc.record({ name: toolName, args, result: text }), { maxLength: 3 }),
        after: text,
      },
      { requiredKeys: ["calls"] },
    ),
  },
  { requiredKeys: ["user", "reply"] },
);

const chatRequest = fc
  .record({
    exchanges: fc.array(chatExchange, { minLength: 1, maxLength: 4 }),
    prefill: fc.option(text, { nil: undefined }),
    stop,
    maxTokens,
    useCompletionTokens: fc.boolean(),
    toolChoice: fc.option(fc.constantFrom<unknown>("auto", "none", "required", { type: "function", function: { name: "search" } }), {
      nil: undefined,
    }),
    parallel: fc.option(fc.constant(false), { nil: undefined }),
  })
  .map((g): Json => {
    const nextId = idGen("call_");
    const messages: Json[] = [];
    for (const ex of g.exchanges) {
      if (ex.system) messages.push({ role: "system", content: ex.system });
      messages.push({ role: "user", content: ex.user });
      const { reply } = ex;
      if (reply.calls.length === 0) {
        messages.push({ role: "assistant", content: reply.text ?? "ok" });
        continue;
      }
      const calls = reply.calls.map((c) => ({ ...c, id: nextId() }));
      messages.push({
        role: "assistant",
        content: reply.text ?? null,
        tool_calls: calls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: JSON.stringify(c.args) } })),
      });
      for (const c of calls) messages.push({ role: "tool", tool_call_id: c.id, content: c.result });
      if (reply.after) messages.push({ role: "assistant", content: reply.after });
    }
    if (g.prefill) messages.push({ role: "user", content: "continue" }, { role: "assistant", content: g.prefill });
    const body: Json = {
      model: "public-model",
      messages,
      tools: ["get_weather", "search", "run_code"].map((name) => ({
        type: "function",
        function: { name, description: `${name} tool`, parameters: { type: "object", properties: { q: { type: "string" } } } },
      })),
    };
    body[g.useCompletionTokens ? "max_completion_tokens" : "max_tokens"] = g.maxTokens;
    if (g.stop) body.stop = g.stop;
    if (g.toolChoice !== undefined) body.tool_choice = g.toolChoice;
    if (g.parallel !== undefined) body.parallel_tool_calls = g.parallel;
    return body;
  });

// Anthropic side -----------------------------------------------------------------------

const anthropicImage = fc.oneof(
  fc.tuple(fc.constantFrom("image/png", "image/gif"), b64).map(([media_type, data]) => ({
    type: "image",
    source: { type: "base64", media_type, data },
  })),
  word.map((w) => ({ type: "image", source: { type: "url", url: `https://example.com/${w}.jpg` } })),
);
const anthropicUserBlock = fc.oneof(text.map((t) => ({ type: "text", text: t })), anthropicImage);

interface AnthropicExchange {
  user: Json[] | string;
  reply: { thinking?: string; text?: string; calls: { name: string; input: Json; result: string }[]; followUp?: string };
}

const anthropicExchange: fc.Arbitrary<AnthropicExchange> = fc.record({
  user: fc.oneof(text, fc.array(anthropicUserBlock, { minLength: 1, maxLength: 3 })),
  reply: fc.record(
    {
      thinking: text,
      text: text,
      calls: fc.array(fc.record({ name: toolName, input: args, result: text }), { maxLength: 3 }),
      followUp: text,
    },
    { requiredKeys: ["calls"] },
  ),
});

const messagesRequest = fc
  .record({
    system: fc.option(fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 3 })), { nil: undefined }),
    exchanges: fc.array(anthropicExchange, { minLength: 1, maxLength: 4 }),
    stop,
    maxTokens,
    toolChoice: fc.option(fc.constantFrom<Json>({ type: "auto" }, { type: "any" }, { type: "none" }, { type: "tool", name: "search" }), {
      nil: undefined,
    }),
    disableParallel: fc.boolean(),
  })
  .map((g): Json => {
    const nextId = idGen("toolu_");
    const messages: Json[] = [];
    for (const ex of g.exchanges) {
      messages.push({ role: "user", content: ex.user });
      const { reply } = ex;
      const blocks: Json[] = [];
      if (reply.thinking) blocks.push({ type: "thinking", thinking: reply.thinking, signature: `sig-${reply.thinking.length}` });
      if (reply.text || reply.calls.length === 0) blocks.push({ type: "text", text: reply.text ?? "ok" });
      const calls = reply.calls.map((c) => ({ ...c, id: nextId() }));
      for (const c of calls) blocks.push({ type: "tool_use", id: c.id, name: c.name, input: c.input });
      messages.push({ role: "assistant", content: blocks });
      if (calls.length === 0) continue;
      const results: Json[] = calls.map((c) => ({ type: "tool_result", tool_use_id: c.id, content: c.result }));
      if (reply.followUp) results.push({ type: "text", text: reply.followUp });
      messages.push({ role: "user", content: results });
      messages.push({ role: "assistant", content: [{ type: "text", text: "done" }] });
    }
    const body: Json = {
      model: "public-model",
      max_tokens: g.maxTokens,
      messages,
      tools: ["get_weather", "search", "run_code"].map((name) => ({
        name,
        description: `${name} tool`,
        input_schema: { type: "object", properties: { q: { type: "string" } } },
      })),
    };
    if (typeof g.system === "string") body.system = g.system;
    else if (g.system) body.system = g.system.map((t) => ({ type: "text", text: t }));
    if (g.stop) body.stop_sequences = g.stop;
    if (g.toolChoice) body.tool_choice = g.disableParallel ? { ...g.toolChoice, disable_parallel_tool_use: true } : g.toolChoice;
    return body;
  })
  // The "none" choice cannot carry disable_parallel_tool_use (Anthropic's own rule).
  .filter((b) => !(asRecord(b.tool_choice)?.type === "none" && asRecord(b.tool_choice)?.disable_parallel_tool_use));

// ---------------------------------------------------------------------------------------
// meaning: each request reduced to a protocol-neutral form

type Item = Json;

/** Adjacent same-role text is one utterance: protocols may split or join it freely. */
function pushItem(items: Item[], item: Item): void {
  const last = items.at(-1);
  if (item.text !== undefined && last?.text !== undefined && last.role === item.role) {
    last.text = String(last.text) + String(item.text);
  } else items.push(item);
}

function chatMeaning(body: Json): Json {
  const system: string[] = [];
  const items: Item[] = [];
  for (const raw of asArray(body.messages)) {
    const m = asRecord(raw)!;
    const role = String(m.role);
    if (role === "system") {
      system.push(String(m.content));
      continue;
    }
    if (role === "tool") {
      items.push({ role, result: m.tool_call_id, text: undefined, content: m.content });
      continue;
    }
    if (typeof m.content === "string") pushItem(items, { role, text: m.content });
    for (const p of asArray(m.content)) {
      const part = asRecord(p)!;
      if (part.type === "text") pushItem(items, { role, text: part.text });
      else items.push({ role, image: asRecord(part.image_url)?.url });
    }
    for (const c of asArray(m.tool_calls)) {
      const call = asRecord(c)!;
      const fn = asRecord(call.function)!;
      items.push({ role, call: call.id, name: fn.name, args: JSON.parse(String(fn.arguments)) });
    }
  }
  return {
    system: system.join("\n\n"),
    items,
    tools: asArray(body.tools).map((t) => asRecord(t)!.function),
    // With tools present, no tool_choice means auto in both protocols.
    toolChoice: body.tool_choice ?? "auto",
    parallel: body.parallel_tool_calls !== false,
    stop: body.stop,
    maxTokens: body.max_completion_tokens ?? body.max_tokens,
  };
}

function messagesMeaning(body: Json): Json {
  const system =
    typeof body.system === "string" ? body.system : asArray(body.system).map((b) => asRecord(b)!.text).join("\n\n");
  const items: Item[] = [];
  for (const raw of asArray(body.messages)) {
    const m = asRecord(raw)!;
    const role = String(m.role);
    if (typeof m.content === "string") {
      pushItem(items, { role, text: m.content });
      continue;
    }
    for (const b of asArray(m.content)) {
      const block = asRecord(b)!;
      if (block.type === "text") pushItem(items, { role, text: block.text });
      else if (block.type === "tool_result") items.push({ role, result: block.tool_use_id, content: block.content });
      else items.push({ role, ...block });
    }
  }
  const choice = asRecord(body.tool_choice);
  return {
    system,
    items,
    tools: body.tools,
    toolChoice: choice?.type ?? "auto",
    toolName: choice?.name,
    parallel: choice?.disable_parallel_tool_use !== true,
    stop: body.stop_sequences,
    maxTokens: body.max_tokens,
  };
}

describe("request round trips keep their meaning", () => {
  test("OpenAI -> Anthropic -> OpenAI", () => {
    fc.assert(
      fc.property(chatRequest, (body) => {
        const there = chatToMessagesRequest(body, ctx);
        const back = messagesToChatRequest(there, ctx);
        const expected = chatMeaning(body);
        // tool_choice is meaningless without tools and "none" cannot be parallel-limited.
        expect(chatMeaning(back)).toEqual({
          ...expected,
          parallel: expected.toolChoice === "none" ? true : expected.parallel,
        });
      }),
      RUNS,
    );
  });

  test("Anthropic -> OpenAI -> Anthropic", () => {
    fc.assert(
      fc.property(messagesRequest, (body) => {
        const there = messagesToChatRequest(body, ctx);
        const back = chatToMessagesRequest(there, ctx);
        expect(messagesMeaning(back)).toEqual(messagesMeaning(body));
      }),
      RUNS,
    );
  });

  test("reasoning_effort -> thinking -> reasoning_effort", () => {
    fc.assert(
      fc.property(fc.constantFrom("low", "medium", "high"), text, (effort, t) => {
        const body = { model: "m", messages: [{ role: "user", content: t }], reasoning_effort: effort };
        expect(messagesToChatRequest(chatToMessagesRequest(body, ctx), ctx).reasoning_effort).toBe(effort);
      }),
      RUNS,
    );
  });

  test("thinking budget always fits under max_tokens with answer room, or thinking is dropped", () => {
    fc.assert(
      fc.property(fc.constantFrom("minimal", "low", "medium", "high", "xhigh", "max"), fc.integer({ min: 1, max: 20000 }), (effort, max) => {
        const out = chatToMessagesRequest({ model: "m", messages: [{ role: "user", content: "q" }], reasoning_effort: effort, max_tokens: max }, ctx);
        const thinking = asRecord(out.thinking);
        if (!thinking) return expect(Number(out.max_tokens)).toBeLessThan(1024 + 256);
        expect(Number(thinking.budget_tokens)).toBeGreaterThanOrEqual(1024);
        expect(Number(thinking.budget_tokens) + 256).toBeLessThanOrEqual(Number(out.max_tokens));
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------
// streams

function relay(t: StreamTranslator, events: WireEvent[]): WireEvent[] {
  const out = events.flatMap((e) => t.push(e));
  expect(t.state).toBe("complete");
  return [...out, ...t.finish()];
}

/** Splits a string into 1..n fragments at random cut points. */
const fragments = (s: string) =>
  fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, s.length - 1) }), { maxLength: 4 }).map((cuts) => {
    const points = [0, ...cuts.filter((c) => c < s.length).sort((a, b) => a - b), s.length];
    return points.slice(1).map((p, i) => s.slice(points[i], p)).filter((f) => f !== "");
  });

const anthropicBlock = fc.oneof(
  text.chain((t) => fragments(t).map((parts) => ({ block: { type: "text", text: t }, parts }))),
  fc.tuple(text, word).chain(([t, sig]) =>
    fragments(t).map((parts) => ({ block: { type: "thinking", thinking: t, signature: sig }, parts })),
  ),
  fc.tuple(toolName, args).chain(([name, input]) =>
    fragments(JSON.stringify(input)).map((parts) => ({ block: { type: "tool_use", name, input }, parts })),
  ),
);

const anthropicStream = fc.record({
  blocks: fc.array(anthropicBlock, { maxLength: 5 }),
  usage: fc.record({
    input_tokens: fc.nat(5000),
    cache_read_input_tokens: fc.nat(5000),
    cache_creation_input_tokens: fc.nat(5000),
    output_tokens: fc.nat(5000),
  }),
});

describe("stream round trips keep the accumulated message", () => {
  test("Anthropic -> OpenAI chunks -> Anthropic", () => {
    fc.assert(
      fc.property(anthropicStream, ({ blocks, usage }) => {
        const nextId = idGen("toolu_");
        const content = blocks.map(({ block }) => (block.type === "tool_use" ? { ...block, id: nextId() } : block));
        const list: [string, Json?][] = [
          ["message_start", { message: { id: "msg_p", content: [], usage: { ...usage, output_tokens: 1 } } }],
        ];
        blocks.forEach(({ block, parts }, index) => {
          const b = content[index]!;
          const start = b.type === "text" ? { type: "text", text: "" } : b.type === "thinking" ? { type: "thinking", thinking: "" } : { ...b, input: {} };
          list.push(["content_block_start", { index, content_block: start }]);
          for (const p of parts) {
            const delta =
              block.type === "text"
                ? { type: "text_delta", text: p }
                : block.type === "thinking"
                  ? { type: "thinking_delta", thinking: p }
                  : { type: "input_json_delta", partial_json: p };
            list.push(["content_block_delta", { index, delta }]);
          }
          if ("signature" in b) list.push(["content_block_delta", { index, delta: { type: "signature_delta", signature: b.signature } }]);
          list.push(["content_block_stop", { index }]);
        });
        const stop = content.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn";
        list.push(["message_delta", { delta: { stop_reason: stop }, usage: { output_tokens: usage.output_tokens } }], ["message_stop"]);

        const chunks = relay(new MessagesToChatStream(ctx, { includeUsage: true }), anthropicEvents(list));
        accumulateChat(chunks); // the intermediate stream is valid OpenAI
        const back = accumulateMessages(relay(new ChatToMessagesStream(ctx), chunks));
        // Adjacent text blocks merge on the OpenAI side (one content string): compare merged.
        const merge = (bs: unknown[]) =>
          bs.reduce<Json[]>((acc, raw) => {
            const b = asRecord(raw)!;
            const last = acc.at(-1);
            if (b.type === "text" && last?.type === "text") last.text = String(last.text) + String(b.text);
            else acc.push({ ...b });
            return acc;
          }, []);
        expect(merge(asArray(back.message?.content))).toEqual(merge(content));
        expect(back.message?.stop_reason).toBe(stop);
        expect(usageFromAnthropic(back.message?.usage)).toEqual(usageFromAnthropic(usage));
      }),
      RUNS,
    );
  });

  test("OpenAI chunks -> Anthropic -> OpenAI chunks", () => {
    const call = fc.tuple(toolName, args).chain(([name, a]) => fragments(JSON.stringify(a)).map((parts) => ({ name, parts })));
    fc.assert(
      fc.property(
        fc.option(text, { nil: undefined }).chain((t) => (t ? fragments(t) : fc.constant([] as string[]))),
        fc.array(call, { maxLength: 3 }),
        fc.record({ prompt: fc.nat(9000), completion: fc.nat(9000), cached: fc.nat(9000) }),
        (textParts, calls, u) => {
          const list: (Json | "[DONE]")[] = [{ role: "assistant", content: "" }];
          for (const p of textParts) list.push({ content: p });
          calls.forEach((c, index) => {
            list.push({ tool_calls: [{ index, id: `call_${index}`, type: "function", function: { name: c.name, arguments: "" } }] });
            for (const p of c.parts) list.push({ tool_calls: [{ index, function: { arguments: p } }] });
          });
          list.push({ finish_reason: calls.length > 0 ? "tool_calls" : "stop" });
          const usage = { prompt_tokens: u.prompt + u.cached, completion_tokens: u.completion, prompt_tokens_details: { cached_tokens: u.cached } };
          list.push({ choices: [], usage }, "[DONE]");

          const events = relay(new ChatToMessagesStream(ctx), openAIChunks(list));
          accumulateMessages(events); // the intermediate stream is valid Anthropic
          const back = accumulateChat(relay(new MessagesToChatStream(ctx, { includeUsage: true }), events));
          expect(back.message.content).toBe(textParts.join(""));
          expect(back.message.tool_calls ?? []).toEqual(
            calls.map((c, i) => ({ id: `call_${i}`, type: "function", function: { name: c.name, arguments: c.parts.join("") } })),
          );
          expect(back.finishReason).toBe(calls.length > 0 ? "tool_calls" : "stop");
          expect(usageFromOpenAI(back.usage)).toEqual(usageFromOpenAI(usage));
        },
      ),
      RUNS,
    );
  });
});

describe("usage bills the same through either protocol", () => {
  const tokens: fc.Arbitrary<TokenUsage> = fc.record({
    inputTokens: fc.nat(1e6),
    outputTokens: fc.nat(1e6),
    cacheReadTokens: fc.nat(1e6),
    cacheWriteTokens: fc.nat(1e6),
    reasoningTokens: fc.nat(1e6),
  });

  test("TokenUsage -> OpenAI usage -> TokenUsage and -> Anthropic usage -> TokenUsage", () => {
    fc.assert(
      fc.property(tokens, (u) => {
        expect(usageFromOpenAI(openAIUsageFrom(u))).toEqual(u);
        expect(usageFromAnthropic(anthropicUsageFrom(u))).toEqual(u);
      }),
      RUNS,
    );
  });
});

describe("tool-call ids", () => {
  test("any OpenAI tool-call id becomes a valid Anthropic id that still pairs with its result", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), (id) => {
        const body = {
          model: "m",
          messages: [
            { role: "user", content: "q" },
            { role: "assistant", content: null, tool_calls: [{ id, type: "function", function: { name: "f", arguments: "{}" } }] },
            { role: "tool", tool_call_id: id, content: "r" },
          ],
        };
        const out = chatToMessagesRequest(body, ctx);
        const [, assistant, user] = asArray(out.messages).map((m) => asRecord(asArray(asRecord(m)!.content)[0])!);
        expect(asString(assistant!.id)).toMatch(/^[a-zA-Z0-9_-]+$/);
        expect(user!.tool_use_id).toBe(assistant!.id);
      }),
      RUNS,
    );
  });
});
