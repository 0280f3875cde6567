// POST /v1/messages/count_tokens through the official @anthropic-ai/sdk against a whole
// Sluice: forwarded to Anthropic's own counter, counted locally for the others, rate limited
// like any request, never billed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startHarness, type Harness } from "../helpers/harness.ts";
import { countRequestTokens, type TokenBreakdown } from "../../src/metering/tokenizer.ts";

let h: Harness;
let client: Anthropic;

beforeAll(async () => {
  h = await startHarness();
  const u = await h.newUser(100);
  client = new Anthropic({ baseURL: h.sluice.gatewayUrl, apiKey: u.key, maxRetries: 0 });
  // Hooks do not take bunfig's test timeout; starting Sluice on a busy 2-core box can pass 5 s.
}, 60_000);
afterAll(() => h.stop(), 30_000);

interface CorpusCase {
  name: string;
  request: Record<string, unknown>;
  o200k: TokenBreakdown;
  mock_anthropic_input_tokens: number;
}

const CORPUS_DIR = join(import.meta.dir, "../corpus/count-tokens");
const corpus: [string, CorpusCase][] = readdirSync(CORPUS_DIR)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => {
    const c = JSON.parse(readFileSync(join(CORPUS_DIR, f), "utf8")) as CorpusCase;
    return [c.name, c];
  });

/** A corpus request for one model, in the SDK's parameter type (the JSON is the SDK's wire shape). */
function paramsFor(c: CorpusCase, model: string): Anthropic.MessageCountTokensParams {
  return { ...c.request, model } as unknown as Anthropic.MessageCountTokensParams;
}

/** What the mock Anthropic upstream itself answers for a body, asked directly. */
async function mockCount(body: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${h.anthropic.url}/v1/messages/count_tokens`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "direct", "anthropic-version": "2023-06-01" },
    body: JSON.stringify(body),
  });
  return ((await res.json()) as { input_tokens: number }).input_tokens;
}

const tools: Anthropic.Tool[] = [
  { name: "get_weather", description: "Weather for a city.", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
];

describe("Anthropic models: forwarded to Anthropic's count endpoint", () => {
  test("the count is the upstream's, with the Messages adapter's headers and the upstream model id", async () => {
    const params: Anthropic.MessageCountTokensParams = {
      model: "claude-sonnet-4.6",
      system: "You are a careful assistant who answers in one sentence.",
      messages: [{ role: "user", content: "How many moons does Mars have, and what are their names?" }],
      tools,
    };
    const { data, response } = await client.messages
      .countTokens(params, { headers: { "anthropic-beta": "token-counting-2024-11-01", "anthropic-version": "2023-06-01" } })
      .withResponse();
    expect(data.input_tokens).toBe(await mockCount({ ...params, model: "claude-sonnet-4-6" }));
    expect(response.headers.get("x-sluice-token-count")).toBe("upstream");
    expect(response.headers.get("x-sluice-cost-usd")).toBe("0");
    expect(response.headers.get("request-id")).toMatch(/^req_/);

    const forwarded = h.anthropic.requests.filter((r) => r.path === "/v1/messages/count_tokens").at(-2)!;
    expect(forwarded.headers["x-api-key"]).toBe("sk-ant-upstream");
    expect(forwarded.headers["anthropic-version"]).toBe("2023-06-01");
    expect(forwarded.headers["anthropic-beta"]).toBe("token-counting-2024-11-01");
    expect((forwarded.body as { model: string }).model).toBe("claude-sonnet-4-6");
    expect((forwarded.body as { tools: unknown }).tools).toEqual(tools);
  });

  test.each(corpus)("corpus %s: equals the mock's count", async (_name, c) => {
    const n = await client.messages.countTokens(paramsFor(c, "claude-haiku-4.5"));
    expect(n.input_tokens).toBe(c.mock_anthropic_input_tokens);
  });

  test("a request the upstream calls invalid is relayed as a 400, scrubbed of the upstream's name", async () => {
    const err = await client.messages
      .countTokens({ model: "claude-opus-4.7", messages: [{ role: "user", content: "x [[mock:status=400]]" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).not.toMatch(/anthropic/i);
  });

  test("an upstream that fails is stood in for by the local count", async () => {
    const params: Anthropic.MessageCountTokensParams = {
      model: "claude-opus-4.7",
      messages: [{ role: "user", content: "count me anyway [[mock:status=529]]" }],
    };
    const { data, response } = await client.messages.countTokens(params).withResponse();
    expect(response.headers.get("x-sluice-token-count")).toBe("local");
    expect(data.input_tokens).toBe(countRequestTokens({ ...params }).total);
  });
});

describe("other models: counted locally with o200k_base", () => {
  test("an OpenAI-family model equals the tokenizer's count, and nothing goes upstream", async () => {
    const params: Anthropic.MessageCountTokensParams = {
      model: "gpt-5.5",
      system: "You are a careful assistant who answers in one sentence.",
      messages: [
        { role: "user", content: "What is the weather in Oslo?" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Oslo" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "4 degrees and snowing" }] },
      ],
      tools,
    };
    const before = h.openai.requests.length;
    const { data, response } = await client.messages.countTokens(params).withResponse();
    expect(data.input_tokens).toBe(countRequestTokens({ ...params }).total);
    expect(response.headers.get("x-sluice-token-count")).toBe("local");
    expect(h.openai.requests.length).toBe(before);
  });

  test.each(corpus)("corpus %s: equals the recorded o200k count", async (_name, c) => {
    const n = await client.messages.countTokens(paramsFor(c, "deepseek-v4-flash"));
    expect(n.input_tokens).toBe(c.o200k.total);
  });
});

describe("errors in Anthropic's format", () => {
  test("a bad key is a 401", async () => {
    const bad = new Anthropic({ baseURL: h.sluice.gatewayUrl, apiKey: "sk-nope", maxRetries: 0 });
    const err = await bad.messages.countTokens({ model: "gpt-5.5", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
  });

  test("an unknown model is a 404", async () => {
    const err = await client.messages.countTokens({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
  });

  test("a body without messages is a 400 naming the field", async () => {
    const err = await client.messages
      .countTokens({ model: "gpt-5.5" } as unknown as Anthropic.MessageCountTokensParams)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toContain("messages");
  });
});

describe("limits and billing", () => {
  test("counts against RPM: with rpm=2 the third call is a 429", async () => {
    const u = await h.newUser(100, { rpm: 2 });
    const limited = new Anthropic({ baseURL: h.sluice.gatewayUrl, apiKey: u.key, maxRetries: 0 });
    const params: Anthropic.MessageCountTokensParams = { model: "gpt-5.4-mini", messages: [{ role: "user", content: "hi" }] };
    const first = await limited.messages.countTokens(params).withResponse();
    expect(first.response.headers.get("x-sluice-rpm-remaining")).toBe("1");
    await limited.messages.countTokens(params);
    const err = await limited.messages.countTokens(params).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect((err as InstanceType<typeof Anthropic.RateLimitError>).status).toBe(429);
    expect(Number((err as InstanceType<typeof Anthropic.RateLimitError>).headers?.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  test("holds no concurrency slot: with concurrency=1 counts run back to back and side by side", async () => {
    const u = await h.newUser(100, { concurrency: 1 });
    const c = new Anthropic({ baseURL: h.sluice.gatewayUrl, apiKey: u.key, maxRetries: 0 });
    const params: Anthropic.MessageCountTokensParams = { model: "claude-haiku-4.5", messages: [{ role: "user", content: "hi" }] };
    for (let i = 0; i < 3; i++) await c.messages.countTokens(params);
    // The lease is given back before the upstream call, so a slow count does not block the next.
    const slow = c.messages.countTokens({ ...params, messages: [{ role: "user", content: "hi [[mock:delay=300]]" }] });
    await Bun.sleep(50);
    await c.messages.countTokens(params);
    await slow;
  });

  test("never billed: balances and the ledger are unchanged, and a zero balance can still count", async () => {
    const u = await h.newUser(0);
    const c = new Anthropic({ baseURL: h.sluice.gatewayUrl, apiKey: u.key, maxRetries: 0 });
    const before = await h.admin(`/users/${u.userId}`);
    const lagBefore = await h.sluice.store.ledgerLag(Date.now());
    for (const model of ["claude-sonnet-4.6", "gpt-5.5", "deepseek-v4-flash"]) {
      const n = await c.messages.countTokens({ model, messages: [{ role: "user", content: "how much is this?" }] });
      expect(n.input_tokens).toBeGreaterThan(0);
    }
    const lagAfter = await h.sluice.store.ledgerLag(Date.now());
    expect(lagAfter.pending).toBe(lagBefore.pending);
    await Bun.sleep(200);
    const after = await h.admin(`/users/${u.userId}`);
    expect(after.json.balance_micro).toBe(before.json.balance_micro);
    expect(await h.sluice.store.getBalance(u.userId)).toBe(0n);
  });
});
