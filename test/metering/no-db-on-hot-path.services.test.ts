// Invariant 1 (ARCHITECTURE.md section 7): no Postgres statement runs on the request path.
// The gateway talks to Postgres through a wire-protocol proxy that records every statement
// Postgres receives. A burst of 100 requests with the ledger flusher paused produces zero
// statements; with the flusher running, every statement during a burst belongs to a flusher
// batch (one statement: insert into ledger, update users) and nothing else.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import postgres from "postgres";
import type { Executor } from "../../db/client.ts";
import { createTestDatabase, servicesMode, startHarness, type Harness } from "../helpers/harness.ts";
import { startPgWireProxy, type PgWireProxy, type Statement } from "./pg-wire-proxy.ts";
import { deleteRedisPrefix, ledgerRows, pgBalance, pollUntil } from "./helpers.ts";

let h: Harness;
let proxy: PgWireProxy;
let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let user: { userId: string; key: string };
let openai: OpenAI;
let anthropic: Anthropic;
/** The test's own reads go straight to Postgres, not through the proxy. */
let direct: postgres.Sql;
let db: Executor;

// Needs the real Postgres and Redis (SLUICE_TEST_STORAGE=services); skipped otherwise.
describe.skipIf(!servicesMode)("no Postgres statement on the request path", () => {
  beforeAll(async () => {
    testDb = await createTestDatabase();
    direct = postgres(testDb.url, { max: 2, onnotice: () => {} });
    db = {
      execScript: async (text) => void (await direct.unsafe(text)),
      rows: async <T>(text: string, params: unknown[] = []) => (await direct.unsafe(text, params as never[])) as unknown as T[],
    };
    const real = new URL(testDb.url);
    proxy = await startPgWireProxy({ host: real.hostname, port: Number(real.port) || 5432 });
    const viaProxy = new URL(testDb.url);
    viaProxy.port = String(proxy.port);
    h = await startHarness({ DATABASE_URL: viaProxy.toString(), DEFAULT_CONCURRENCY: "200", DEFAULT_RPM: "0" });
    user = await h.newUser(1000);
    openai = new OpenAI({ baseURL: `${h.sluice.gatewayUrl}/v1`, apiKey: user.key, maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: h.sluice.gatewayUrl, apiKey: user.key, maxRetries: 0 });
  }, 30_000);
  afterAll(async () => {
    await h?.stop();
    if (h) await deleteRedisPrefix(h.config.redisUrl!, h.config.redisPrefix);
    await proxy?.stop();
    await direct?.end();
    await testDb?.drop();
  }, 30_000);

  /** 100 requests at once over both endpoints, half of them streamed; returns their request ids. */
  async function burst(tag: string): Promise<string[]> {
    return Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const content = `${tag} ${i} [[mock:usage=${20 + i},${5 + i}]]`;
        const stream = i % 2 === 1;
        if (i % 4 < 2) {
          if (!stream) {
            const { response } = await openai.chat.completions.create({ model: "gpt-5.4-mini", messages: [{ role: "user", content }] }).withResponse();
            return response.headers.get("x-request-id")!;
          }
          const { data, response } = await openai.chat.completions
            .create({ model: "gpt-5.4-mini", stream: true, messages: [{ role: "user", content }] })
            .withResponse();
          for await (const _ of data);
          return response.headers.get("x-request-id")!;
        }
        const params = { model: "claude-haiku-4.5", max_tokens: 200, messages: [{ role: "user" as const, content }] };
        if (!stream) return (await anthropic.messages.create(params).withResponse()).response.headers.get("x-request-id")!;
        const { data, response } = await anthropic.messages.create({ ...params, stream: true }).withResponse();
        for await (const _ of data);
        return response.headers.get("x-request-id")!;
      }),
    );
  }

  /**
   * Statements that are not a flusher batch. A batch is one statement: the event ids claimed
   * in ledger_events (a duplicate claims nothing), the rows of the new claims inserted into
   * "ledger" and, in the same statement, the balances moved.
   */
  function outsideFlusherBatches(stmts: Statement[]): Statement[] {
    const batch =
      /^with r as \(.*\),\s*claimed as \(\s*insert into ledger_events .* on conflict \(event_id\) do nothing\s+returning event_id\s*\),\s*ins as \(\s*insert into ledger .* join claimed using \(event_id\)\s+returning .*\)\s*update users set balance_micro/s;
    return stmts.filter((s) => !batch.test(s.sql.trim().toLowerCase()));
  }

  test("100 requests with the flusher paused: zero Postgres statements; the flusher alone writes them afterwards", async () => {
    // Warm up every code path once (key cache, catalog, connections), then pause the flusher.
    await burst("warm-up");
    await h.sluice.flusher.stop();
    await pollUntil("warm-up rows", async () => (await ledgerRows(db, user.userId, "usage")).length === 100);
    const balanceBefore = await pgBalance(db, user.userId);
    const hotBefore = (await h.sluice.store.getBalance(user.userId))!;
    expect(hotBefore).toBe(balanceBefore);

    // The proxy is not blind: an admin read (not the request path) is a statement it sees.
    const markAdmin = proxy.statements.length;
    expect((await h.admin(`/users/${user.userId}`)).status).toBe(200);
    expect(proxy.statements.slice(markAdmin).some((s) => /from "users"/.test(s.sql))).toBe(true);

    const mark = proxy.statements.length;
    const t0 = performance.now();
    const ids = await burst("paused");
    const burstMs = performance.now() - t0;
    const during = proxy.statements.slice(mark);
    expect(during.map((s) => s.sql)).toEqual([]);
    // The money is settled in the hot store already, waiting in the ledger stream.
    expect((await h.sluice.store.ledgerLag(Date.now())).pending).toBe(100);
    const hotAfter = (await h.sluice.store.getBalance(user.userId))!;
    expect(hotAfter).toBeLessThan(hotBefore);

    // Resume: every statement the catch-up produces is part of a flusher batch.
    const markFlush = proxy.statements.length;
    h.sluice.flusher.start();
    const rows = await pollUntil("paused burst flushed", async () => {
      const r = await ledgerRows(db, user.userId, "usage");
      return r.length === 200 ? r : null;
    });
    const ofIds = new Set(ids);
    expect(rows.filter((r) => ofIds.has(r.event_id))).toHaveLength(100);
    const flush = proxy.statements.slice(markFlush);
    expect(outsideFlusherBatches(flush)).toEqual([]);
    const balanceAfter = await pgBalance(db, user.userId);
    expect(balanceAfter).toBe(hotAfter);
    console.log(`[no-db] paused burst: 100 requests in ${burstMs.toFixed(0)} ms, 0 statements; catch-up: ${flush.length} statements in flusher batches`);
  }, 30_000);

  test("100 requests with the flusher running: every statement from the burst until it is flushed is a flusher batch", async () => {
    const mark = proxy.statements.length;
    const ids = await burst("running");
    const rows = await pollUntil("running burst flushed", async () => {
      const r = await ledgerRows(db, user.userId, "usage");
      return r.length === 300 ? r : null;
    });
    const during = proxy.statements.slice(mark);
    expect(outsideFlusherBatches(during)).toEqual([]);
    expect(rows.filter((r) => ids.includes(r.event_id))).toHaveLength(100);
    expect(await pgBalance(db, user.userId)).toBe((await h.sluice.store.getBalance(user.userId))!);
    console.log(`[no-db] running burst: ${during.length} statements, all flusher batches`);
  }, 30_000);
});
