// The flusher writes what settlement put in the ledger stream, column for column, once: run
// on PGlite in the embedded pass and on a fresh Postgres database in the services pass.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Database } from "./client.ts";
import { migrate } from "./migrate.ts";
import { createUser } from "./accounts.ts";
import { LedgerFlusher } from "./flusher.ts";
import { MemoryHotStore } from "../src/store/memory/memory-store.ts";
import type { LedgerEntry } from "../src/store/types.ts";
import { openPassDatabase } from "../test/helpers/harness.ts";

let database: Database;
let closeDatabase: () => Promise<void>;
const store = new MemoryHotStore();
let alice: string;
let bob: string;

beforeAll(async () => {
  ({ database, close: closeDatabase } = await openPassDatabase());
  await migrate(database);
  alice = await createUser(database, store, { name: "alice", signupMicro: 1_000_000n, actor: "test" });
  bob = await createUser(database, store, { name: "bob", signupMicro: 0n, actor: "test" });
});

afterAll(() => closeDatabase());

const pricesA = { input: "16000000", output: "64000000", cacheRead: "1600000", cacheWrite: "20000000" };
const pricesB = { input: "3000000", output: "15000000", cacheRead: "300000", cacheWrite: "3750000" };

function entry(eventId: string, userId: string, over: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    eventId,
    kind: "usage",
    userId,
    keyId: "key_1",
    amountMicro: "-1234",
    modelId: "gpt-5.4-mini",
    inputTokens: 10,
    outputTokens: 20,
    cacheReadTokens: 3,
    cacheWriteTokens: 4,
    reasoningTokens: 5,
    prices: pricesA,
    catalogVersion: 7,
    estimated: false,
    status: "ok",
    createdAtMs: 1_765_000_000_123,
    meta: { deployment: "openai-main" },
    ...over,
  };
}

interface Row {
  event_id: string;
  kind: string;
  user_id: string;
  key_id: string | null;
  amount_micro: string;
  model_id: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  prices: unknown;
  catalog_version: number | null;
  estimated: boolean;
  status: string;
  meta: unknown;
  created_ms: string;
}

async function rowsOf(prefix: string): Promise<Map<string, Row>> {
  const rows = await database.rows<Row>(
    `select event_id, kind, user_id, key_id, amount_micro::text as amount_micro, model_id, input_tokens, output_tokens,
       cache_read_tokens, cache_write_tokens, reasoning_tokens, prices, catalog_version, estimated, status, meta,
       (extract(epoch from created_at) * 1000)::bigint::text as created_ms
     from ledger where event_id like $1`,
    [`${prefix}%`],
  );
  return new Map(rows.map((r) => [r.event_id, r]));
}

async function balance(userId: string): Promise<bigint> {
  const [row] = await database.rows<{ b: string }>("select balance_micro::text as b from users where id = $1", [userId]);
  return BigInt(row!.b);
}

describe("ledger flusher", () => {
  test("every column of every entry lands as settled: mixed prices, nulls, metadata, times to the millisecond", async () => {
    const entries = [
      entry("col_1", alice),
      entry("col_2", alice, { prices: pricesB, modelId: "claude-sonnet-4.6", meta: { deployment: "anthropic-main" } }),
      entry("col_3", bob, { keyId: null, prices: null, modelId: null, catalogVersion: null, meta: undefined, kind: "adjustment", amountMicro: "500000", inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }),
      entry("col_4", alice, { estimated: true, status: "client_closed", createdAtMs: 1_765_000_000_999, meta: { note: `quote " and backslash \\ and comma, {brace}` } }),
      entry("col_5", bob, { amountMicro: "-9007199254740993", status: "partial" }),
    ];
    for (const e of entries) await store.appendLedger(e);
    const aliceBefore = await balance(alice);
    const bobBefore = await balance(bob);

    const flusher = new LedgerFlusher(database, store, { consumer: "test-a", intervalMs: 50 });
    expect(await flusher.drain()).toBe(5);

    const rows = await rowsOf("col_");
    expect(rows.size).toBe(5);
    for (const e of entries) {
      const r = rows.get(e.eventId)!;
      expect({
        kind: r.kind,
        user: r.user_id,
        key: r.key_id,
        amount: r.amount_micro,
        model: r.model_id,
        tokens: [r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_write_tokens, r.reasoning_tokens],
        prices: r.prices,
        catalogVersion: r.catalog_version,
        estimated: r.estimated,
        status: r.status,
        meta: r.meta,
        createdMs: Number(r.created_ms),
      }).toEqual({
        kind: e.kind,
        user: e.userId,
        key: e.keyId,
        amount: e.amountMicro,
        model: e.modelId,
        tokens: [e.inputTokens, e.outputTokens, e.cacheReadTokens, e.cacheWriteTokens, e.reasoningTokens],
        prices: e.prices,
        catalogVersion: e.catalogVersion,
        estimated: e.estimated,
        status: e.status,
        meta: e.meta ?? null,
        createdMs: e.createdAtMs,
      });
    }
    expect(await balance(alice)).toBe(aliceBefore - 1234n * 3n);
    expect(await balance(bob)).toBe(bobBefore + 500000n - 9007199254740993n);
  });

  test("an entry delivered twice (a crash between commit and ack) is written and billed once", async () => {
    const before = await balance(alice);
    await store.appendLedger(entry("dup_1", alice));
    await store.appendLedger(entry("dup_1", alice));
    await store.appendLedger(entry("dup_2", alice));
    const flusher = new LedgerFlusher(database, store, { consumer: "test-b", intervalMs: 50, batchSize: 2 });
    expect(await flusher.drain()).toBe(3);
    expect([...(await rowsOf("dup_")).keys()].sort()).toEqual(["dup_1", "dup_2"]);
    expect(await balance(alice)).toBe(before - 1234n * 2n);
  });
});
