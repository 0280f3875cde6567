// Ledger flusher throughput: pre-fills the Redis ledger streams with N usage entries through
// the HotStore API (appendLedger), then times LedgerFlusher.drain() writing them to Postgres
// (batched inserts + balance updates + XACK), and checks that every entry landed once.
//
// env: DATABASE_URL (a migrated Sluice database), REDIS_URL, REDIS_PREFIX; args: <entries>
// Prints `BENCH_READY {}` then `RESULT {...}`.
import { openDatabase } from "../db/client.ts";
import { migrate } from "../db/migrate.ts";
import { createUser } from "../db/accounts.ts";
import { LedgerFlusher } from "../db/flusher.ts";
import { RedisHotStore } from "../src/store/redis/redis-store.ts";
import type { LedgerEntry } from "../src/store/types.ts";

console.log("BENCH_READY {}");
const total = Number(process.argv[2] ?? 50_000);
const USERS = 200;

const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL });
await migrate(database);
const store = new RedisHotStore({ url: process.env.REDIS_URL!, prefix: process.env.REDIS_PREFIX });

const users: string[] = [];
for (let i = 0; i < USERS; i++) users.push(await createUser(database, store, { name: `ledger ${i}`, signupMicro: 0n, actor: "bench" }));

const run = Date.now().toString(36);
const entry = (i: number): LedgerEntry => ({
  eventId: `bench_${run}_${i}`,
  kind: "usage",
  userId: users[i % USERS]!,
  keyId: null,
  amountMicro: "-5340",
  modelId: "gpt-5.4-mini",
  inputTokens: 23,
  outputTokens: 18,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  prices: { input: "16000000", output: "64000000", cacheRead: "1600000", cacheWrite: "20000000" },
  catalogVersion: 1,
  estimated: false,
  status: "ok",
  createdAtMs: Date.now(),
});

const fillStart = performance.now();
const IN_FLIGHT = 1000;
for (let i = 0; i < total; i += IN_FLIGHT) {
  const batch: Promise<string>[] = [];
  for (let j = i; j < Math.min(total, i + IN_FLIGHT); j++) batch.push(store.appendLedger(entry(j)));
  await Promise.all(batch);
}
const fillMs = performance.now() - fillStart;
const lagBefore = await store.ledgerLag(Date.now());

const flusher = new LedgerFlusher(database, store, { consumer: `bench-${process.pid}`, intervalMs: 200 });
const drainStart = performance.now();
const flushed = await flusher.drain();
const drainMs = performance.now() - drainStart;
const lagAfter = await store.ledgerLag(Date.now());

const rows = await database.rows<{ n: number; sum: string }>(
  "select count(*)::int as n, coalesce(sum(amount_micro), 0)::text as sum from ledger where event_id like $1",
  [`bench_${run}_%`],
);
const balances = await database.rows<{ sum: string }>("select coalesce(sum(balance_micro), 0)::text as sum from users where id = any($1)", [users]);

console.log(
  `RESULT ${JSON.stringify({
    entries: total,
    fillMs: Math.round(fillMs),
    appendPerSecond: Math.round(total / (fillMs / 1000)),
    pendingBeforeDrain: lagBefore.pending,
    flushed,
    drainMs: Math.round(drainMs),
    entriesPerSecond: Math.round(flushed / (drainMs / 1000)),
    pendingAfterDrain: lagAfter.pending,
    rowsWritten: rows[0]?.n ?? 0,
    amountsMatch: rows[0]?.sum === (BigInt(-5340) * BigInt(total)).toString() && balances[0]?.sum === rows[0]?.sum,
  })}`,
);
await store.close();
await database.close();
process.exit(0);
