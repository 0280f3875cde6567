// Invariant 2 across a Redis crash: settled usage lives in the Redis ledger stream until the
// flusher writes it to Postgres. With AOF (appendfsync always) a kill -9 of Redis loses none of
// it: after a restart on the same directory, the 20 entries reach Postgres exactly once, and a
// second delivery of the same entries changes nothing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import Redis from "ioredis";
import type { Subprocess } from "bun";
import { servicesMode, startHarness, type Harness } from "../helpers/harness.ts";
import type { LedgerEntry } from "../../src/store/types.ts";
import { freePort, ledgerRows, pgBalance, pollUntil, sum } from "./helpers.ts";

let dir: string;
let port: number;
let redisProc: Subprocess | null = null;
let h: Harness | null = null;

async function startRedis(): Promise<void> {
  redisProc = Bun.spawn(
    ["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir, "--save", ""],
    { stdout: "ignore", stderr: "ignore" },
  );
  const probe = new Redis({ port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on("error", () => {}); // refused connections while the server starts are expected
  try {
    await pollUntil("redis-server answers", async () => {
      try {
        if (probe.status !== "ready") await probe.connect();
        return (await probe.ping()) === "PONG";
      } catch {
        probe.disconnect();
        return false;
      }
    }, 10_000, 25);
  } finally {
    probe.disconnect();
  }
}

async function killRedis(): Promise<void> {
  if (!redisProc) return;
  redisProc.kill(9);
  await redisProc.exited;
  redisProc = null;
}

// Needs the real Postgres and Redis (SLUICE_TEST_STORAGE=services); skipped otherwise.
describe.skipIf(!servicesMode)("Redis kill -9 with AOF", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sluice-aof-"));
    port = await freePort();
    await startRedis();
    h = await startHarness({ REDIS_URL: `redis://127.0.0.1:${port}`, DEFAULT_CONCURRENCY: "50" });
    // Entries must stay in the stream: nothing drains them until Redis has been killed.
    await h.sluice.flusher.stop();
  }, 30_000);
  afterAll(async () => {
    await h?.stop();
    await killRedis();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  test("kill -9 of Redis with 20 unflushed ledger entries: after restart all 20 reach Postgres exactly once", async () => {
    const hh = h!;
    const { userId, key } = await hh.newUser(50);
    const openai = new OpenAI({ baseURL: `${hh.sluice.gatewayUrl}/v1`, apiKey: key, maxRetries: 0 });
    const anthropic = new Anthropic({ baseURL: hh.sluice.gatewayUrl, apiKey: key, maxRetries: 0 });
    const pgStart = await pgBalance(hh.sluice.database, userId);

    const ids = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const content = `aof ${i} [[mock:usage=${100 + i},${10 + i}]]`;
        if (i % 2 === 0) {
          const r = await openai.chat.completions.create({ model: "gpt-5.5", max_tokens: 100, messages: [{ role: "user", content }] }).withResponse();
          return r.response.headers.get("x-request-id")!;
        }
        const r = await anthropic.messages.create({ model: "claude-sonnet-4.6", max_tokens: 100, messages: [{ role: "user", content }] }).withResponse();
        return r.response.headers.get("x-request-id")!;
      }),
    );
    // Cost by the catalog: gpt-5.5 200/600, claude-sonnet-4.6 120/600 credits per 1M tokens.
    const expected = sum(ids.map((_, i) => BigInt(100 + i) * (i % 2 === 0 ? 200n : 120n) + BigInt(10 + i) * 600n));
    expect((await hh.sluice.store.ledgerLag(Date.now())).pending).toBe(20);
    const hotBefore = (await hh.sluice.store.getBalance(userId))!;
    expect(hotBefore).toBe(pgStart - expected);
    expect(await pgBalance(hh.sluice.database, userId)).toBe(pgStart); // nothing flushed yet

    await killRedis();
    await startRedis();

    // The restarted Redis replayed its AOF: the stream and the hot balance are back.
    const lag = await pollUntil("gateway reconnected to Redis", async () => {
      try {
        return await hh.sluice.store.ledgerLag(Date.now());
      } catch {
        return null;
      }
    });
    expect(lag.pending).toBe(20);
    expect(await hh.sluice.store.getBalance(userId)).toBe(hotBefore);

    hh.sluice.flusher.start();
    const rows = await pollUntil("20 rows in Postgres", async () => {
      const r = await ledgerRows(hh.sluice.database, userId, "usage");
      return r.length >= 20 && (await hh.sluice.store.ledgerLag(Date.now())).pending === 0 ? r : null;
    });
    expect(rows.map((r) => r.event_id).sort()).toEqual([...ids].sort());
    expect(sum(rows.map((r) => r.amount_micro))).toBe(-expected);
    expect(await pgBalance(hh.sluice.database, userId)).toBe(hotBefore);

    // A second delivery of the very same entries (e.g. a crash between commit and ack) is a no-op.
    const redelivered: LedgerEntry[] = rows.map((r, i) => ({
      eventId: r.event_id,
      kind: "usage",
      userId,
      keyId: null,
      amountMicro: r.amount_micro.toString(),
      modelId: r.model_id,
      inputTokens: r.input_tokens,
      outputTokens: r.output_tokens,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      prices: null,
      catalogVersion: null,
      estimated: r.estimated,
      status: "ok",
      createdAtMs: Date.now() + i,
    }));
    for (const e of redelivered) await hh.sluice.store.appendLedger(e);
    await pollUntil("redelivered entries consumed", async () => (await hh.sluice.store.ledgerLag(Date.now())).pending === 0);
    await hh.sluice.flusher.drain();
    expect(await ledgerRows(hh.sluice.database, userId, "usage")).toHaveLength(20);
    expect(await pgBalance(hh.sluice.database, userId)).toBe(hotBefore);
    console.log(`[aof] 20 entries survived kill -9 of Redis; flushed once: ${-sum(rows.map((r) => r.amount_micro))} micro-credits; 20 duplicates ignored`);
  }, 30_000);
});
