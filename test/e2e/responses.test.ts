// POST /v1/responses through the official openai SDK: passed through to OpenAI upstreams,
// translated for every other model.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { startHarness, type Harness } from "../helpers/harness.ts";

let h: Harness;
let client: OpenAI;

beforeAll(async () => {
  h = await startHarness();
  const u = await h.newUser(200);
  client = new OpenAI({ baseURL: `${h.sluice.gatewayUrl}/v1`, apiKey: u.key, maxRetries: 0 });
}, 60_000);
afterAll(() => h.stop(), 60_000);

const tool: OpenAI.Responses.FunctionTool = {
  type: "function",
  name: "lookup",
  description: "Looks things up",
  strict: false,
  parameters: { type: "object", properties: { query: { type: "string" } }, required: ["query"] },
};

describe("Responses API", () => {
  for (const model of ["gpt-5.5", "claude-sonnet-4.6", "gemini-3-flash", "deepseek-v4-pro"]) {
    test(`${model}: create and stream`, async () => {
      const { data, response } = await client.responses.create({ model, input: "hello responses [[mock:usage=40,8]]", max_output_tokens: 200 }).withResponse();
      expect(data.model).toBe(model);
      expect(data.output_text).toBe("echo: hello responses");
      expect(data.usage).toMatchObject({ input_tokens: 40, output_tokens: 8 });
      expect(Number(response.headers.get("x-sluice-cost-usd"))).toBeGreaterThan(0);

      const stream = client.responses.stream({ model, input: "and streamed", max_output_tokens: 200 });
      const final = await stream.finalResponse();
      expect(final.output_text).toBe("echo: and streamed");
      expect(final.model).toBe(model);
      expect(final.status).toBe("completed");
    });
  }

  test("pass-through goes to the upstream's /responses; translation to the others' own APIs", async () => {
    await client.responses.create({ model: "gpt-5.4-mini", input: "x" });
    expect(h.openai.requests.at(-1)!.path).toBe("/v1/responses");
    await client.responses.create({ model: "claude-haiku-4.5", input: "x", max_output_tokens: 100 });
    expect(h.anthropic.requests.at(-1)!.path).toBe("/v1/messages");
  });

  test("a function-call round trip to an Anthropic model, streamed", async () => {
    const first = await client.responses.stream({ model: "claude-opus-4.7", input: "find cheap flights", tools: [tool], max_output_tokens: 500 }).finalResponse();
    const call = first.output.find((o) => o.type === "function_call")!;
    if (call.type !== "function_call") throw new Error("expected a function call");
    expect(call.name).toBe("lookup");
    expect(JSON.parse(call.arguments)).toEqual({ query: "find cheap flights" });
    const second = await client.responses.create({
      model: "claude-opus-4.7",
      tools: [tool],
      max_output_tokens: 500,
      input: [
        { role: "user", content: "find cheap flights" },
        ...first.output.filter((o) => o.type === "function_call"),
        { type: "function_call_output", call_id: call.call_id, output: "2 flights found" },
      ] as OpenAI.Responses.ResponseInput,
    });
    expect(second.output_text).toBe("tool result: 2 flights found");
  });

  test("a built-in tool on a non-OpenAI model is a clear 400", async () => {
    const err = await client.responses
      .create({ model: "claude-sonnet-4.6", input: "news?", tools: [{ type: "web_search" } as OpenAI.Responses.Tool] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toMatch(/only available on OpenAI models/);
  });
});
