// The frameworks people build on, not only the official SDKs: the Vercel AI SDK (`ai` with
// @ai-sdk/openai and @ai-sdk/anthropic) and LangChain (@langchain/openai, @langchain/anthropic),
// each pointed at one of the gateway's two endpoints, hold a streamed two-turn tool
// conversation with an image and reasoning against every provider kind: OpenAI, Anthropic,
// Gemini and an OpenAI-compatible one, so most of these cross a protocol on the way.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { stepCountIs, streamText, tool, type ModelMessage } from "ai";
import { createOpenAI } from "@ai-sdk/openai";
import { createAnthropic } from "@ai-sdk/anthropic";
import { ChatOpenAI } from "@langchain/openai";
import { ChatAnthropic } from "@langchain/anthropic";
import { HumanMessage, ToolMessage, type AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import { tool as lcTool } from "@langchain/core/tools";
import { z } from "zod";
import { startHarness, type Harness } from "../helpers/harness.ts";
import type { MockUpstream } from "../mocks/types.ts";

let h: Harness;
let key: string;

// A 1x1 PNG.
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const WEATHER = "sunny, 21 C";
const QUESTION = "what is the weather where this photo was taken";

beforeAll(async () => {
  h = await startHarness();
  key = (await h.newUser(500)).key;
}, 60_000);
afterAll(() => h.stop(), 60_000);

interface Target {
  model: string;
  kind: string;
  upstream: () => MockUpstream;
  /** The first upstream request carried the image and asked for reasoning, in its own protocol. */
  check(body: Record<string, unknown>): void;
}

const targets: Target[] = [
  {
    model: "gpt-5.5",
    kind: "openai",
    upstream: () => h.openai,
    check: (body) => {
      expect(body.reasoning_effort).toBeDefined();
      expect(JSON.stringify(body.messages)).toContain("data:image/png;base64,");
    },
  },
  {
    model: "claude-sonnet-4.6",
    kind: "anthropic",
    upstream: () => h.anthropic,
    check: (body) => {
      expect(body.thinking).toMatchObject({ type: "enabled" });
      expect(JSON.stringify(body.messages)).toContain('"type":"image"');
    },
  },
  {
    model: "gemini-3.1-pro",
    kind: "gemini",
    upstream: () => h.gemini,
    check: (body) => {
      expect(JSON.stringify(body.generationConfig ?? {})).toContain("thinkingConfig");
      expect(JSON.stringify(body.contents)).toContain("inlineData");
    },
  },
  {
    model: "kimi-k2.6",
    kind: "openai-compatible",
    upstream: () => h.openai,
    check: (body) => {
      expect(body.reasoning_effort).toBeDefined();
      expect(JSON.stringify(body.messages)).toContain("data:image/png;base64,");
    },
  },
];

/** Runs a conversation and checks what the upstream of the target received. */
async function conversation(target: Target, run: () => Promise<{ text: string; toolArgs: string[] }>): Promise<void> {
  const mock = target.upstream();
  const before = mock.requests.length;
  const { text, toolArgs } = await run();
  expect(toolArgs).toEqual([JSON.stringify({ query: QUESTION })]);
  expect(text).toContain(`tool result: ${WEATHER}`);
  const sent = mock.requests.slice(before).filter((r) => r.method === "POST");
  expect(sent).toHaveLength(2);
  target.check(sent[0]!.body as Record<string, unknown>);
  // The second turn carried the tool's result back upstream.
  expect(JSON.stringify(sent[1]!.body)).toContain(WEATHER);
}

describe("Vercel AI SDK", () => {
  const providers = {
    "@ai-sdk/openai (/v1/chat/completions)": (model: string) => createOpenAI({ baseURL: `${h.sluice.gatewayUrl}/v1`, apiKey: key }).chat(model),
    "@ai-sdk/anthropic (/v1/messages)": (model: string) => createAnthropic({ baseURL: `${h.sluice.gatewayUrl}/v1`, apiKey: key })(model),
  };
  for (const [name, make] of Object.entries(providers)) {
    for (const target of targets) {
      test(`${name} -> ${target.model} (${target.kind})`, async () => {
        await conversation(target, async () => {
          const toolArgs: string[] = [];
          const messages: ModelMessage[] = [
            { role: "user", content: [{ type: "text", text: QUESTION }, { type: "image", image: PNG, mediaType: "image/png" }] },
          ];
          const result = streamText({
            model: make(target.model),
            messages,
            maxOutputTokens: 4000,
            maxRetries: 0,
            tools: {
              get_weather: tool({
                description: "Weather by city",
                inputSchema: z.object({ query: z.string() }),
                execute: async (input) => {
                  toolArgs.push(JSON.stringify(input));
                  return WEATHER;
                },
              }),
            },
            stopWhen: stepCountIs(2),
            providerOptions: {
              openai: { reasoningEffort: "low" },
              anthropic: { thinking: { type: "enabled", budgetTokens: 1024 } },
            },
          });
          let streamed = "";
          for await (const part of result.fullStream) {
            if (part.type === "text-delta") streamed += part.text;
            if (part.type === "error") throw part.error;
          }
          expect((await result.steps).map((s) => s.finishReason)).toEqual(["tool-calls", "stop"]);
          return { text: streamed, toolArgs };
        });
      });
    }
  }
});

describe("LangChain", () => {
  const weather = lcTool(async ({ query }: { query: string }) => `${WEATHER} (${query.length})`, {
    name: "get_weather",
    description: "Weather by city",
    schema: z.object({ query: z.string() }),
  });
  const models = {
    "@langchain/openai (/v1/chat/completions)": (model: string) =>
      // LangChain sends `reasoning` only for model names it knows as OpenAI reasoning models.
      new ChatOpenAI({ model, apiKey: key, configuration: { baseURL: `${h.sluice.gatewayUrl}/v1` }, maxRetries: 0, modelKwargs: { reasoning_effort: "low" }, maxTokens: 4000 }),
    "@langchain/anthropic (/v1/messages)": (model: string) =>
      new ChatAnthropic({ model, apiKey: key, anthropicApiUrl: h.sluice.gatewayUrl, maxRetries: 0, maxTokens: 4000, thinking: { type: "enabled", budget_tokens: 1024 } }),
  };
  for (const [name, make] of Object.entries(models)) {
    for (const target of targets) {
      test(`${name} -> ${target.model} (${target.kind})`, async () => {
        await conversation(target, async () => {
          const chat = make(target.model).bindTools([weather]);
          const messages: BaseMessage[] = [
            new HumanMessage({
              content: [
                { type: "text", text: QUESTION },
                { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
              ],
            }),
          ];
          const turn = async (): Promise<AIMessageChunk> => {
            let full: AIMessageChunk | undefined;
            for await (const chunk of await chat.stream(messages)) full = full ? full.concat(chunk) : chunk;
            return full!;
          };
          const first = await turn();
          const calls = first.tool_calls ?? [];
          expect(calls.map((c) => c.name)).toEqual(["get_weather"]);
          messages.push(first);
          const toolArgs: string[] = [];
          for (const call of calls) {
            toolArgs.push(JSON.stringify(call.args));
            const result = await weather.invoke(call.args as { query: string });
            messages.push(new ToolMessage({ tool_call_id: call.id!, content: String(result) }));
          }
          const second = await turn();
          const text = typeof second.content === "string" ? second.content : second.content.map((p) => ("text" in p ? String(p.text) : "")).join("");
          return { text, toolArgs };
        });
      });
    }
  }
});
