// The official @anthropic-ai/sdk against the gateway, for models on Anthropic upstreams.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { startHarness, type Harness } from "../helpers/harness.ts";

let h: Harness;
let client: Anthropic;

beforeAll(async () => {
  h = await startHarness();
  const u = await h.newUser(100);
  client = new Anthropic({ baseURL: h.sluice.gatewayUrl, apiKey: u.key, maxRetries: 0 });
}, 60_000);
afterAll(() => h.stop(), 60_000);

describe("anthropic SDK through the gateway", () => {
  test("lists models in Anthropic's shape", async () => {
    const page = await client.models.list();
    expect(page.data).toHaveLength(18);
    const opus = page.data.find((m) => m.id === "claude-opus-4.7")!;
    expect(opus.type).toBe("model");
    expect(opus.display_name).toBe("Claude Opus 4.7");
    expect(Number.isNaN(Date.parse(opus.created_at))).toBe(false);
  });

  test("creates a message; the model field shows the public id and cost is in the header", async () => {
    const { data, response } = await client.messages
      .create({ model: "claude-sonnet-4.6", max_tokens: 100, messages: [{ role: "user", content: "hi [[mock:usage=100,50]]" }] })
      .withResponse();
    expect(data.content[0]).toMatchObject({ type: "text", text: "echo: hi" });
    expect(data.model).toBe("claude-sonnet-4.6");
    // 100 x 120 + 50 x 600 credits/1M = 42 000 micro-credits -> $0.00042
    expect(response.headers.get("x-sluice-cost-usd")).toBe("0.00042");
    expect(response.headers.get("request-id")).toMatch(/^req_/);
    const forwarded = h.anthropic.requests.at(-1)!;
    expect((forwarded.body as { model: string }).model).toBe("claude-sonnet-4-6");
    expect(forwarded.headers["x-api-key"]).toBe("sk-ant-upstream");
  });

  test("streams with messages.stream().finalMessage(), thinking included", async () => {
    const stream = client.messages.stream({
      model: "claude-opus-4.7",
      max_tokens: 2000,
      messages: [{ role: "user", content: "think first [[mock:thinking=pondering]]" }],
    });
    const final = await stream.finalMessage();
    expect(final.model).toBe("claude-opus-4.7");
    expect(final.content[0]).toMatchObject({ type: "thinking", thinking: "pondering" });
    expect(final.content[1]).toMatchObject({ type: "text", text: "echo: think first" });
    expect(final.stop_reason).toBe("end_turn");
  });

  test("tool use over two turns, streamed", async () => {
    const tools: Anthropic.Tool[] = [{ name: "lookup", input_schema: { type: "object", properties: { query: { type: "string" } } } }];
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "find flights" }];
    const first = await client.messages.stream({ model: "claude-haiku-4.5", max_tokens: 500, messages, tools }).finalMessage();
    expect(first.stop_reason).toBe("tool_use");
    const use = first.content.find((b) => b.type === "tool_use")!;
    expect(use.type === "tool_use" && use.input).toEqual({ query: "find flights" });
    messages.push({ role: "assistant", content: first.content });
    messages.push({ role: "user", content: [{ type: "tool_result", tool_use_id: use.type === "tool_use" ? use.id : "", content: "3 flights" }] });
    const second = await client.messages.create({ model: "claude-haiku-4.5", max_tokens: 500, messages, tools });
    expect(second.content[0]).toMatchObject({ type: "text", text: "tool result: 3 flights" });
  });

  test("anthropic-beta and unknown fields reach the upstream untouched", async () => {
    await client.messages.create(
      {
        model: "claude-sonnet-4.6",
        max_tokens: 10,
        messages: [{ role: "user", content: "x" }],
        // A field newer than this SDK's types.
        ...({ some_future_field: { a: 1 } } as object),
      },
      { headers: { "anthropic-beta": "future-feature-2031-01-01" } },
    );
    const forwarded = h.anthropic.requests.at(-1)!;
    expect(forwarded.headers["anthropic-beta"]).toBe("future-feature-2031-01-01");
    expect((forwarded.body as Record<string, unknown>).some_future_field).toEqual({ a: 1 });
  });

  test("errors surface as the SDK's own classes in Anthropic's format", async () => {
    const nf = await client.messages.create({ model: "nope", max_tokens: 5, messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(nf).toBeInstanceOf(Anthropic.NotFoundError);
    expect((nf as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    const overloaded = await client.messages
      .create({ model: "claude-sonnet-4.6", max_tokens: 5, messages: [{ role: "user", content: "[[mock:status=529]]" }] })
      .catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError);
    expect((overloaded as Error).message).not.toMatch(/anthropic|mock-anthropic/i);
    const missing = await client.messages.create({ model: "claude-sonnet-4.6", messages: [{ role: "user", content: "x" }] } as unknown as Anthropic.MessageCreateParamsNonStreaming).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Anthropic.BadRequestError);
    expect((missing as Error).message).toContain("max_tokens");
  });
});
