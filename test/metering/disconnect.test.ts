// Invariant 3 (ARCHITECTURE.md section 7) and README "Billing": failed requests are never
// billed, streams cut short are billed for what was consumed, and whatever way a request
// ends its concurrency lease and balance hold are released.
//  - A client that leaves mid-stream: the gateway keeps reading the upstream (DRAIN_MS) and
//    bills the upstream's own usage report, status client_closed; with no drain allowed it
//    bills the input and the output delivered (counted with the tokenizer), estimated.
//  - A stream the upstream cuts ends with a well-formed error event; billed as partial.
//  - An upstream 500 before any token costs exactly 0 and leaves no ledger row.
// After each: hot balance = Postgres balance, and a concurrency=1 key gets through at once.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHarness, servicesMode, type Harness } from "../helpers/harness.ts";
import { creditsToMicro } from "../../src/metering/money.ts";
import { estimateInputTokens } from "../../src/metering/estimate.ts";
import { countRequestTokens, countTextTokens } from "../../src/metering/tokenizer.ts";
import { deleteRedisPrefix, ledgerRows, pgBalance, pollUntil, readSse, sum, type LedgerRow, type SseEvent } from "./helpers.ts";

interface Setup {
  h: Harness;
  userId: string;
  /** concurrency = 1: a lease left behind would turn the next request into a 429. */
  key: string;
}

async function setup(env: Record<string, string>): Promise<Setup> {
  const h = await startHarness(env);
  const u = await h.newUser(100, { concurrency: 1 });
  return { h, userId: u.userId, key: u.key };
}

async function teardown(s: Setup | undefined): Promise<void> {
  if (!s) return;
  await s.h.stop();
  if (servicesMode) await deleteRedisPrefix(s.h.config.redisUrl!, s.h.config.redisPrefix);
}

let drain: Setup; // default policy: DRAIN_MS 5000
let noDrain: Setup; // DRAIN_MS=0: the upstream is stopped as soon as the client leaves
beforeAll(async () => {
  [drain, noDrain] = await Promise.all([setup({}), setup({ DRAIN_MS: "0" })]);
}, 30_000);
afterAll(async () => {
  await Promise.all([teardown(drain), teardown(noDrain)]);
}, 30_000);

type Proto = "openai" | "anthropic";
const MODEL: Record<Proto, string> = { openai: "gpt-5.5", anthropic: "claude-sonnet-4.6" };

function post(s: Setup, proto: Proto, content: string, opts: { stream?: boolean; model?: string; signal?: AbortSignal } = {}): Promise<Response> {
  const path = proto === "openai" ? "/v1/chat/completions" : "/v1/messages";
  const body: Record<string, unknown> = { model: opts.model ?? MODEL[proto], max_tokens: 200, messages: [{ role: "user", content }] };
  if (opts.stream) body.stream = true;
  return fetch(`${s.h.sluice.gatewayUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${s.key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: opts.signal,
  });
}

/** Published prices of a model, micro-credits per 1M tokens. */
async function prices(s: Setup, model: string): Promise<{ input: bigint; output: bigint }> {
  const res = await fetch(`${s.h.sluice.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${s.key}` } });
  const m = ((await res.json()) as { data: { id: string; pricing: { input: number; output: number } }[] }).data.find((x) => x.id === model)!;
  return { input: creditsToMicro(m.pricing.input), output: creditsToMicro(m.pricing.output) };
}

function cost(p: { input: bigint; output: bigint }, input: number, output: number): bigint {
  return (BigInt(input) * p.input + BigInt(output) * p.output + 999_999n) / 1_000_000n;
}

/** A one-message request as the tokenizer counts it: the text, its framing, the reply priming. */
function requestTokens(content: string): number {
  const tokens = countRequestTokens({ messages: [{ role: "user", content }] }).total;
  // Below what its bytes would suggest (the JSON around it is not input): the point of counting.
  expect(tokens).toBeLessThan(estimateInputTokens(JSON.stringify({ model: "m", max_tokens: 200, messages: [{ role: "user", content }] })));
  return tokens;
}

/** The generated text the client received. */
function receivedText(proto: Proto, events: SseEvent[]): string {
  let text = "";
  for (const e of events) {
    if (!e.data.startsWith("{")) continue;
    const d = JSON.parse(e.data) as {
      type?: string;
      choices?: { delta?: { content?: string | null } }[];
      delta?: { text?: string };
    };
    if (proto === "openai") text += d.choices?.[0]?.delta?.content ?? "";
    else if (d.type === "content_block_delta") text += d.delta?.text ?? "";
  }
  return text;
}

/** The ledger row of one request, once the flusher has written it. */
async function rowOf(s: Setup, requestId: string): Promise<LedgerRow> {
  return pollUntil(`ledger row ${requestId}`, async () => {
    await s.h.sluice.flusher.drain();
    return (await ledgerRows(s.h.sluice.database, s.userId, "usage")).find((r) => r.event_id === requestId);
  });
}

/** Lease and hold released, balances agree: the next request with concurrency=1 succeeds at once. */
async function expectReleased(s: Setup): Promise<void> {
  await pollUntil("ledger drained", async () => {
    await s.h.sluice.flusher.drain();
    return (await s.h.sluice.store.ledgerLag(Date.now())).pending === 0;
  });
  const hot = await s.h.sluice.store.getBalance(s.userId);
  const pg = await pgBalance(s.h.sluice.database, s.userId);
  expect(hot).toBe(pg);
  expect(sum((await ledgerRows(s.h.sluice.database, s.userId)).map((r) => r.amount_micro))).toBe(pg);
  const next = await post(s, "openai", "next [[mock:usage=1,1]]", { model: "gpt-5.4-mini" });
  expect(next.status).toBe(200);
  await next.text();
}

/**
 * Digits tokenize three to a token, so a count from characters (about 4 a token) would be off:
 * the estimate must come from the tokenizer to match.
 */
const NUMBERS = "31415926535 27182818284 16180339887 14142135623 17320508075 22360679774 26457513110 30000000000";

/** Reads a slow stream until `k` events arrived, then aborts the connection. */
async function leaveAfter(s: Setup, proto: Proto, k: number, directives: string): Promise<{ requestId: string; received: SseEvent[] }> {
  const ac = new AbortController();
  const res = await post(s, proto, `${NUMBERS} ${directives}`, { stream: true, signal: ac.signal });
  expect(res.status).toBe(200);
  const requestId = res.headers.get("x-request-id")!;
  const { events, stopped } = await readSse(res.body!, (_e, i) => i + 1 >= k);
  expect(stopped).toBe(true);
  ac.abort();
  return { requestId, received: events };
}

describe.each(["openai", "anthropic"] as const)("%s stream", (proto) => {
  // openai: role chunk + 2 text chunks; anthropic: message_start, content_block_start, ping + 2 text deltas.
  const k = proto === "openai" ? 3 : 5;

  test("client leaves after k events, upstream finishes within DRAIN_MS: the upstream's usage is billed, client_closed", async () => {
    const { requestId, received } = await leaveAfter(drain, proto, k, "[[mock:gap=50]] [[mock:usage=40,30]]");
    expect(receivedText(proto, received)).not.toBe("");
    const row = await rowOf(drain, requestId);
    expect(row).toMatchObject({ status: "client_closed", estimated: false, input_tokens: 40, output_tokens: 30 });
    expect(row.amount_micro).toBe(-cost(await prices(drain, MODEL[proto]), 40, 30));
    await expectReleased(drain);
  });

  test("client leaves after k events, no drain: billed input + output delivered (estimated), client_closed", async () => {
    const { requestId, received } = await leaveAfter(noDrain, proto, k, "[[mock:gap=50]] [[mock:usage=40,30]]");
    const text = receivedText(proto, received);
    expect(text).not.toBe("");
    // Input: what the upstream reported (Anthropic's message_start), else the request counted
    // with the tokenizer (not its bytes).
    const input = proto === "anthropic" ? 40 : requestTokens(`${NUMBERS} [[mock:gap=50]] [[mock:usage=40,30]]`);
    // Output: the text the client received, counted with the tokenizer.
    const output = countTextTokens(text);
    const row = await rowOf(noDrain, requestId);
    expect(row).toMatchObject({ status: "client_closed", estimated: true, input_tokens: input, output_tokens: output });
    expect(row.amount_micro).toBe(-cost(await prices(noDrain, MODEL[proto]), input, output));
    await expectReleased(noDrain);
  });

  test("the upstream cuts the stream: a well-formed error event ends it, billed as partial for what was delivered", async () => {
    const s = noDrain;
    const res = await post(s, proto, `${NUMBERS} [[mock:cut=${k}]] [[mock:usage=40,30]]`, { stream: true });
    expect(res.status).toBe(200);
    const requestId = res.headers.get("x-request-id")!;
    const { events } = await readSse(res.body!);
    expect(events).toHaveLength(k + 1);
    const last = events.at(-1)!;
    if (proto === "openai") {
      expect(JSON.parse(last.data)).toMatchObject({ error: { type: "server_error", code: "upstream_stream_cut" } });
      expect(events.some((e) => e.data === "[DONE]")).toBe(false);
    } else {
      expect(last.event).toBe("error");
      expect(JSON.parse(last.data)).toMatchObject({ type: "error", error: { type: "api_error" } });
      expect(events.some((e) => e.event === "message_stop")).toBe(false);
    }
    const input = proto === "anthropic" ? 40 : requestTokens(`${NUMBERS} [[mock:cut=${k}]] [[mock:usage=40,30]]`);
    const output = countTextTokens(receivedText(proto, events));
    const row = await rowOf(s, requestId);
    expect(row).toMatchObject({ status: "partial", estimated: true, input_tokens: input, output_tokens: output });
    expect(row.amount_micro).toBe(-cost(await prices(s, MODEL[proto]), input, output));
    await expectReleased(s);
  });

  test("an upstream 500 before any token: an error for the client, cost exactly 0, no ledger row", async () => {
    const s = drain;
    // A model of its own: the failed attempts must not open the circuit of the models the other tests use.
    const model = proto === "openai" ? "glm-5.1" : "claude-opus-4.7";
    const before = await s.h.sluice.store.getBalance(s.userId);
    const res = await post(s, proto, "fail [[mock:status=500]]", { model, stream: true });
    expect(res.status).toBeGreaterThanOrEqual(500);
    const requestId = res.headers.get("x-request-id")!;
    const body = (await res.json()) as { error?: { message?: string } };
    expect(body.error?.message).toContain("Nothing was billed");
    expect(res.headers.get("x-sluice-cost-usd")).toBeNull();
    await expectReleased(s);
    // expectReleased made one 1-token request; the failed one left no row and moved nothing.
    const rows = await ledgerRows(s.h.sluice.database, s.userId, "usage");
    expect(rows.find((r) => r.event_id === requestId)).toBeUndefined();
    const nextCost = -rows.at(-1)!.amount_micro;
    expect(await s.h.sluice.store.getBalance(s.userId)).toBe(before! - nextCost);
  });
});
