// The official openai SDK against the gateway, for models whose upstream speaks OpenAI chat.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { startHarness, type Harness } from "../helpers/harness.ts";

let h: Harness;
let client: OpenAI;
let userId: string;

beforeAll(async () => {
  h = await startHarness();
  const u = await h.newUser(100);
  userId = u.userId;
  client = new OpenAI({ baseURL: `${h.sluice.gatewayUrl}/v1`, apiKey: u.key, maxRetries: 0 });
}, 60_000);
afterAll(() => h.stop(), 60_000);

describe("openai SDK through the gateway", () => {
  test("lists the whole default catalog with our extra fields", async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toHaveLength(18);
    expect(ids).toContain("gpt-5.5");
    expect(ids).toContain("claude-opus-4.7");
    const page = await client.models.list();
    const gpt = page.data.find((m) => m.id === "gpt-5.5") as unknown as Record<string, unknown>;
    expect(gpt.class).toBe("flagship");
    expect(gpt.context_window).toBe(1_050_000);
    expect(gpt.pricing).toMatchObject({ input: 200, output: 600 });
    expect(gpt.flags).toEqual(["reasoning", "vision"]);
  });

  test("non-streaming completion shows the public model id and carries the cost header", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "gpt-5.5", messages: [{ role: "user", content: "hello there [[mock:usage=20,10]]" }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe("echo: hello there");
    expect(data.model).toBe("gpt-5.5");
    expect(data.usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 10 });
    // 20 x 200 + 10 x 600 credits per 1M = 10 000 micro-credits = 0.01 credits = $0.0001
    expect(response.headers.get("x-sluice-cost-usd")).toBe("0.0001");
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
    expect(Number(response.headers.get("x-sluice-rpm-remaining"))).toBeGreaterThan(0);
    // The upstream got its own model id and our provider key, never the client's key.
    const forwarded = h.openai.requests.at(-1)!;
    expect((forwarded.body as { model: string }).model).toBe("gpt-5.5");
    expect(forwarded.headers.authorization).toBe("Bearer sk-upstream-openai");
  });

  test("streams through chat.completions.stream().finalChatCompletion()", async () => {
    const stream = client.chat.completions.stream({
      model: "gpt-5.4-mini",
      messages: [{ role: "user", content: "stream me a few words please" }],
    });
    const models = new Set<string>();
    stream.on("chunk", (c) => models.add(c.model));
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe("echo: stream me a few words please");
    expect([...models]).toEqual(["gpt-5.4-mini"]);
    // The gateway asked upstream for usage to meter the stream, and the client, who did not ask, got none.
    expect((h.openai.requests.at(-1)!.body as { stream_options: unknown }).stream_options).toEqual({ include_usage: true });
    expect(final.usage ?? null).toBeNull();
  });

  test("a client that asks for usage in a stream gets it", async () => {
    const stream = await client.chat.completions.create({
      model: "deepseek-v4-pro",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "count [[mock:usage=7,3]]" }],
    });
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
  });

  test("tool calls round-trip over two turns", async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: "function", function: { name: "lookup", parameters: { type: "object", properties: { query: { type: "string" } } } } },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "weather in Oslo" }];
    const first = await client.chat.completions.stream({ model: "gpt-5.5", messages, tools }).finalChatCompletion();
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(first.choices[0]!.finish_reason).toBe("tool_calls");
    expect(call.type === "function" && JSON.parse(call.function.arguments)).toEqual({ query: "weather in Oslo" });
    messages.push(first.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: "4 C and rain" });
    const second = await client.chat.completions.create({ model: "gpt-5.5", messages, tools });
    expect(second.choices[0]!.message.content).toBe("tool result: 4 C and rain");
  });

  test("errors surface as the SDK's own classes", async () => {
    const notFound = await client.chat.completions
      .create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
    expect((notFound as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
    const bad = new OpenAI({ baseURL: `${h.sluice.gatewayUrl}/v1`, apiKey: "sk-sluice-wrong", maxRetries: 0 });
    const unauthorized = await bad.chat.completions
      .create({ model: "gpt-5.5", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(OpenAI.AuthenticationError);
    const invalid = await client.chat.completions
      .create({ model: "gpt-5.5", messages: [{ role: 7 }] } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(OpenAI.BadRequestError);
    expect((invalid as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("messages.0.role");
  });

  test("an upstream 429 comes back as RateLimitError without naming the provider", async () => {
    const err = await client.chat.completions
      .create({ model: "gpt-5.5", messages: [{ role: "user", content: "[[mock:status=429]] [[mock:retry_after=3]]" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const e = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(e.headers?.get("retry-after")).toBe("3");
    expect(e.message).not.toMatch(/openai|mock-openai|127\.0\.0\.1/i);
  });

  test("an upstream 500 is a 5xx that names neither host nor provider, and costs nothing", async () => {
    const before = Number((await h.admin(`/users/${userId}`)).json.balance_micro);
    const err = await client.chat.completions
      .create({ model: "gpt-5.5", messages: [{ role: "user", content: "[[mock:status=500]]" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as Error).message).not.toMatch(/openai|mock-openai|127\.0\.0\.1/i);
    expect(Number((await h.admin(`/users/${userId}`)).json.balance_micro)).toBe(before);
  });

});
