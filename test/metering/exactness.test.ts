// Money invariant 2 + 8 (ARCHITECTURE.md section 7), seen from outside: for 50 concurrent
// requests of known usage over both endpoints, streaming and not, what the client was told it
// paid (cost headers and stream cost fields) equals the ledger rows equals the balance change
// in Postgres equals the catalog price x tokens, to the micro-credit; one ledger row per
// x-request-id.
import { afterAll, beforeAll, expect, test } from "bun:test";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { servicesMode, startHarness, type Harness } from "../helpers/harness.ts";
import { creditsToMicro, microToUsd } from "../../src/metering/money.ts";
import { deleteRedisPrefix, ledgerRows, pgBalance, pollUntil, sum, usdToMicro } from "./helpers.ts";

let h: Harness;
let user: { userId: string; key: string };
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  // 50 at once must not meet the default concurrency limit (20): this test is about money.
  h = await startHarness({ DEFAULT_CONCURRENCY: "100" });
  user = await h.newUser(1000);
  openai = new OpenAI({ baseURL: `${h.sluice.gatewayUrl}/v1`, apiKey: user.key, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: h.sluice.gatewayUrl, apiKey: user.key, maxRetries: 0 });
}, 30_000);
afterAll(async () => {
  await h?.stop();
  if (h && servicesMode) await deleteRedisPrefix(h.config.redisUrl!, h.config.redisPrefix);
}, 30_000);

interface Prices {
  input: bigint;
  output: bigint;
  cacheRead: bigint;
}

/** Prices as the gateway publishes them, in micro-credits per 1M tokens. */
async function publishedPrices(): Promise<Map<string, Prices>> {
  const res = await fetch(`${h.sluice.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${user.key}` } });
  const body = (await res.json()) as { data: { id: string; pricing: { input: number; output: number; cache_read: number } }[] };
  return new Map(
    body.data.map((m) => [
      m.id,
      { input: creditsToMicro(m.pricing.input), output: creditsToMicro(m.pricing.output), cacheRead: creditsToMicro(m.pricing.cache_read) },
    ]),
  );
}

function expectedCost(p: Prices, input: number, cached: number, output: number): bigint {
  const scaled = BigInt(input) * p.input + BigInt(cached) * p.cacheRead + BigInt(output) * p.output;
  return (scaled + 999_999n) / 1_000_000n; // rounded up once per request (README "Billing")
}

type Kind = "openai" | "openai-stream" | "anthropic" | "anthropic-stream";
interface Outcome {
  requestId: string;
  /** What the client was told, converted back to micro-credits. */
  reportedMicro: bigint;
  expectedMicro: bigint;
}

const OPENAI_MODELS = ["gpt-5.5", "deepseek-v4-pro", "gpt-5.4-mini"];
const ANTHROPIC_MODELS = ["claude-haiku-4.5", "claude-sonnet-4.6", "claude-opus-4.7"];
const N = 50;

test(`${N} concurrent requests: cost told to clients = ledger rows = balance change = price x tokens`, async () => {
  const prices = await publishedPrices();
  const creditUsd = h.config.creditUsd;
  const hotBefore = await h.sluice.store.getBalance(user.userId);
  const pgBefore = await pgBalance(h.sluice.database, user.userId);
  expect(hotBefore).toBe(pgBefore);

  const one = async (i: number): Promise<Outcome> => {
    const kind = (["openai", "openai-stream", "anthropic", "anthropic-stream"] as const)[i % 4]! satisfies Kind;
    const input = 10 + 7 * i;
    const output = 3 + 5 * i;
    // Every third request also reads from the cache (priced at a tenth of input, rounded once).
    const cached = i % 3 === 0 ? 11 * i + 1 : 0;
    const content = `request ${i} [[mock:usage=${input},${output}]]${cached ? ` [[mock:cached=${cached}]]` : ""}`;
    const includeCost = { headers: { "x-sluice-include-cost": "true" } };

    if (kind === "openai" || kind === "openai-stream") {
      const model = OPENAI_MODELS[i % OPENAI_MODELS.length]!;
      const expectedMicro = expectedCost(prices.get(model)!, input, cached, output);
      if (kind === "openai") {
        const { data, response } = await openai.chat.completions
          .create({ model, messages: [{ role: "user", content }] })
          .withResponse();
        expect(data.usage).toMatchObject({ prompt_tokens: input + cached, completion_tokens: output });
        return {
          requestId: response.headers.get("x-request-id")!,
          reportedMicro: usdToMicro(response.headers.get("x-sluice-cost-usd")!, creditUsd),
          expectedMicro,
        };
      }
      const { data: stream, response } = await openai.chat.completions
        .create({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content }] }, includeCost)
        .withResponse();
      let costUsd: string | undefined;
      let text = "";
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        const usage = chunk.usage as (OpenAI.CompletionUsage & { cost_usd?: string }) | null | undefined;
        if (usage?.cost_usd !== undefined) costUsd = usage.cost_usd;
      }
      expect(text).toBe(`echo: request ${i}`);
      expect(costUsd).toBeString();
      return { requestId: response.headers.get("x-request-id")!, reportedMicro: usdToMicro(costUsd!, creditUsd), expectedMicro };
    }

    const model = ANTHROPIC_MODELS[i % ANTHROPIC_MODELS.length]!;
    const expectedMicro = expectedCost(prices.get(model)!, input, cached, output);
    if (kind === "anthropic") {
      const { data, response } = await anthropic.messages
        .create({ model, max_tokens: 1000, messages: [{ role: "user", content }] })
        .withResponse();
      expect(data.usage).toMatchObject({ input_tokens: input, output_tokens: output, cache_read_input_tokens: cached });
      return {
        requestId: response.headers.get("x-request-id")!,
        reportedMicro: usdToMicro(response.headers.get("x-sluice-cost-usd")!, creditUsd),
        expectedMicro,
      };
    }
    const { data: stream, response } = await anthropic.messages
      .create({ model, max_tokens: 1000, stream: true, messages: [{ role: "user", content }] }, includeCost)
      .withResponse();
    let costUsd: string | undefined;
    let sawStop = false;
    for await (const event of stream) {
      if (event.type === "message_delta") costUsd = (event.usage as unknown as { cost_usd?: string }).cost_usd;
      if (event.type === "message_stop") sawStop = true;
    }
    expect(sawStop).toBe(true);
    expect(costUsd).toBeString();
    return { requestId: response.headers.get("x-request-id")!, reportedMicro: usdToMicro(costUsd!, creditUsd), expectedMicro };
  };

  const outcomes = await Promise.all(Array.from({ length: N }, (_, i) => one(i)));

  // Each client was told exactly the catalog price of the usage it got.
  for (const o of outcomes) expect({ id: o.requestId, micro: o.reportedMicro }).toEqual({ id: o.requestId, micro: o.expectedMicro });
  const toldMicro = sum(outcomes.map((o) => o.reportedMicro));
  const expectedMicro = sum(outcomes.map((o) => o.expectedMicro));
  expect(toldMicro).toBe(expectedMicro);
  const ids = outcomes.map((o) => o.requestId);
  expect(new Set(ids).size).toBe(N);

  // Every ledger entry reaches Postgres (the background loop may hold a batch while drain runs).
  const rows = await pollUntil(
    "all usage rows in Postgres",
    async () => {
      await h.sluice.flusher.drain();
      const r = await ledgerRows(h.sluice.database, user.userId, "usage");
      return r.length >= N && (await h.sluice.store.ledgerLag(Date.now())).pending === 0 ? r : null;
    },
    10_000,
  );

  // Exactly one row per request id, and no row for anything else.
  expect(rows.map((r) => r.event_id).sort()).toEqual([...ids].sort());
  expect(rows.every((r) => r.status === "ok" && !r.estimated)).toBe(true);
  const ledgerMicro = sum(rows.map((r) => r.amount_micro));
  expect(ledgerMicro).toBe(-expectedMicro);

  const pgAfter = await pgBalance(h.sluice.database, user.userId);
  expect(pgAfter - pgBefore).toBe(ledgerMicro);
  // The hot balance (what admission checks) agrees with Postgres once the ledger is drained.
  expect(await h.sluice.store.getBalance(user.userId)).toBe(pgAfter);
  // The whole balance is its ledger: signup + test credits + usage.
  expect(sum((await ledgerRows(h.sluice.database, user.userId)).map((r) => r.amount_micro))).toBe(pgAfter);
  console.log(`[exactness] ${N} requests, ${expectedMicro} micro-credits = $${microToUsd(expectedMicro, creditUsd)} charged, ledger rows ${rows.length}`);
}, 30_000);

