// Any model from either endpoint: the official SDKs reach upstreams of the other protocol
// (and Gemini) through translation, streamed and not, over multi-turn tool conversations
// with images and reasoning.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { startHarness, type Harness } from "../helpers/harness.ts";

let h: Harness;
let openai: OpenAI;
let anthropic: Anthropic;
let userId: string;

// A 1x1 PNG.
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

beforeAll(async () => {
  h = await startHarness();
  const u = await h.newUser(500);
  userId = u.userId;
  openai = new OpenAI({ baseURL: `${h.sluice.gatewayUrl}/v1`, apiKey: u.key, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: h.sluice.gatewayUrl, apiKey: u.key, maxRetries: 0 });
}, 60_000);
afterAll(() => h.stop(), 60_000);

const weatherTool: OpenAI.ChatCompletionTool = {
  type: "function",
  function: { name: "get_weather", description: "Weather by city", parameters: { type: "object", properties: { query: { type: "string" } }, required: ["query"] } },
};
const weatherToolAnthropic: Anthropic.Tool = {
  name: "get_weather",
  description: "Weather by city",
  input_schema: { type: "object", properties: { query: { type: "string" } }, required: ["query"] },
};

describe("OpenAI SDK -> Anthropic upstream", () => {
  test("non-streaming: text, public model id, usage and cost header", async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: "claude-opus-4.7", max_tokens: 100, messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hello claude [[mock:usage=30,20]]" }] })
      .withResponse();
    expect(data.object).toBe("chat.completion");
    expect(data.model).toBe("claude-opus-4.7");
    expect(data.choices[0]!.message.content).toBe("echo: hello claude");
    expect(data.choices[0]!.finish_reason).toBe("stop");
    expect(data.usage).toMatchObject({ prompt_tokens: 30, completion_tokens: 20, total_tokens: 50 });
    // 30 x 600 + 20 x 3000 credits/1M = 78 000 micro-credits = $0.00078
    expect(response.headers.get("x-sluice-cost-usd")).toBe("0.00078");
    const sent = h.anthropic.requests.at(-1)!.body as Record<string, unknown>;
    expect(sent.model).toBe("claude-opus-4-7");
    expect(sent.system).toEqual([{ type: "text", text: "be brief" }]);
    expect(sent.max_tokens).toBe(100);
  });

  test("a streamed two-turn tool conversation with reasoning and an image", async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      {
        role: "user",
        content: [
          { type: "text", text: "what is the weather where this photo was taken [[mock:thinking=looking at the photo]]" },
          { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
        ],
      },
    ];
    const first = await openai.chat.completions
      .stream({ model: "claude-sonnet-4.6", max_tokens: 4000, reasoning_effort: "low", messages, tools: [weatherTool] })
      .finalChatCompletion();
    const msg = first.choices[0]!.message as OpenAI.ChatCompletionMessage & { thinking_blocks?: { signature?: string }[] };
    expect(first.choices[0]!.finish_reason).toBe("tool_calls");
    const call = msg.tool_calls![0]!;
    expect(call.type === "function" && call.function.name).toBe("get_weather");
    expect(msg.thinking_blocks?.[0]?.signature).toMatch(/^sig_/);
    const upstreamFirst = h.anthropic.requests.at(-1)!.body as Record<string, unknown>;
    expect(upstreamFirst.thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
    const blocks = (upstreamFirst.messages as { content: { type: string; source?: { type: string } }[] }[])[0]!.content;
    expect(blocks.find((b) => b.type === "image")?.source?.type).toBe("base64");

    messages.push(msg, { role: "tool", tool_call_id: call.id, content: "sunny, 21 C" });
    const second = await openai.chat.completions
      .stream({ model: "claude-sonnet-4.6", max_tokens: 4000, reasoning_effort: "low", messages, tools: [weatherTool] })
      .finalChatCompletion();
    expect(second.choices[0]!.message.content).toBe("tool result: sunny, 21 C");
    // The thinking block went back with its signature, before the tool_use, as Anthropic requires.
    const upstreamSecond = h.anthropic.requests.at(-1)!.body as { messages: { role: string; content: { type: string; signature?: string; id?: string }[] }[] };
    const assistant = upstreamSecond.messages.find((m) => m.role === "assistant")!;
    expect(assistant.content.map((b) => b.type)).toEqual(["thinking", "tool_use"]);
    expect(assistant.content[0]!.signature).toMatch(/^sig_/);
    expect(assistant.content[1]!.id).toBe(call.id);
  });

  test("the final usage chunk is there when asked for, with the cost when asked for", async () => {
    const u = await h.newUser(100);
    const client = new OpenAI({ baseURL: `${h.sluice.gatewayUrl}/v1`, apiKey: u.key, maxRetries: 0, defaultHeaders: { "x-sluice-include-cost": "true" } });
    const stream = await client.chat.completions.create({
      model: "claude-haiku-4.5",
      max_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "count [[mock:usage=10,5]]" }],
    });
    let usage: (OpenAI.CompletionUsage & { cost_usd?: string }) | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    // 10 x 40 + 5 x 200 credits/1M = 1400 micro-credits = $0.000014
    expect(usage?.cost_usd).toBe("0.000014");
  });
});

describe("Anthropic SDK -> OpenAI-shaped upstreams", () => {
  test("non-streaming to gpt-5.5", async () => {
    const msg = await anthropic.messages.create({ model: "gpt-5.5", max_tokens: 64, system: "terse", messages: [{ role: "user", content: "hi gpt [[mock:usage=12,3]]" }] });
    expect(msg.type).toBe("message");
    expect(msg.model).toBe("gpt-5.5");
    expect(msg.content).toEqual([{ type: "text", text: "echo: hi gpt", citations: null } as unknown as Anthropic.ContentBlock].map((b) => expect.objectContaining({ type: b.type, text: (b as Anthropic.TextBlock).text })));
    expect(msg.stop_reason).toBe("end_turn");
    expect(msg.usage).toMatchObject({ input_tokens: 12, output_tokens: 3 });
    const sent = h.openai.requests.at(-1)!.body as { model: string; messages: { role: string }[] };
    expect(sent.model).toBe("gpt-5.5");
    expect(sent.messages[0]!.role).toBe("system");
  });

  test("a streamed two-turn tool conversation to deepseek-v4-pro", async () => {
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "weather in Jakarta" }];
    const first = await anthropic.messages
      .stream({ model: "deepseek-v4-pro", max_tokens: 500, messages, tools: [weatherToolAnthropic] })
      .finalMessage();
    expect(first.stop_reason).toBe("tool_use");
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === "tool_use")!;
    expect(use.input).toEqual({ query: "weather in Jakarta" });
    messages.push({ role: "assistant", content: first.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "humid, 31 C" }] });
    const second = await anthropic.messages.stream({ model: "deepseek-v4-pro", max_tokens: 500, messages, tools: [weatherToolAnthropic] }).finalMessage();
    expect(second.content.find((b) => b.type === "text")).toMatchObject({ text: "tool result: humid, 31 C" });
    const sent = h.openai.requests.at(-1)!.body as { messages: { role: string; tool_call_id?: string }[] };
    expect(sent.messages.at(-1)).toMatchObject({ role: "tool", tool_call_id: use.id });
  });
});

describe("both SDKs -> Gemini upstream", () => {
  test("Anthropic SDK: streamed tool loop keeps Gemini's thought signatures", async () => {
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "weather in Bandung" }];
    const first = await anthropic.messages.stream({ model: "gemini-3.1-pro", max_tokens: 500, messages, tools: [weatherToolAnthropic] }).finalMessage();
    expect(first.model).toBe("gemini-3.1-pro");
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === "tool_use")!;
    messages.push({ role: "assistant", content: first.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "rain" }] });
    // The Gemini mock answers 400 like Gemini 3 when a call comes back without its signature.
    const second = await anthropic.messages.create({ model: "gemini-3.1-pro", max_tokens: 500, messages, tools: [weatherToolAnthropic] });
    expect(second.content.find((b) => b.type === "text")).toMatchObject({ text: "tool result: rain" });
    expect(h.gemini.requests.at(-1)!.headers["x-goog-api-key"]).toBe("gemini-upstream-key");
  });

  test("OpenAI SDK: streamed tool loop to gemini-3-flash", async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "weather in Medan" }];
    const first = await openai.chat.completions.stream({ model: "gemini-3-flash", messages, tools: [weatherTool] }).finalChatCompletion();
    const call = first.choices[0]!.message.tool_calls![0]!;
    messages.push(first.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: "cloudy" });
    const second = await openai.chat.completions.stream({ model: "gemini-3-flash", messages, tools: [weatherTool] }).finalChatCompletion();
    expect(second.choices[0]!.message.content).toBe("tool result: cloudy");
    expect(second.model).toBe("gemini-3-flash");
  });
});

describe("capabilities and untranslatable requests", () => {
  test("an image to a model without vision is a 400 naming the model", async () => {
    const err = await openai.chat.completions
      .create({
        model: "deepseek-v4-pro",
        messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } }] }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toContain("deepseek-v4-pro");
  });

  test("reasoning_effort on a model without reasoning is a 400", async () => {
    const err = await openai.chat.completions
      .create({ model: "gemma-4-31b-it", reasoning_effort: "high", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("reasoning_effort");
  });

  test("n>1 to an Anthropic model is a 400 naming n, and costs nothing", async () => {
    const before = Number((await h.admin(`/users/${userId}`)).json.balance_micro);
    const err = await openai.chat.completions.create({ model: "claude-opus-4.7", n: 2, messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("n");
    expect(Number((await h.admin(`/users/${userId}`)).json.balance_micro)).toBe(before);
  });
});
