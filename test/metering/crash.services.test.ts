// Invariant 2 under crashes (ARCHITECTURE.md section 7): the gateway runs as its own process
// (`bun src/main.ts`) against a fresh database, a Redis key prefix of its own and a mock
// upstream in this process.
//  1. kill -9 in the middle of a burst, restart: every request whose response the client got
//     in full has exactly one ledger row, and the balance is exactly its ledger.
//  2. Postgres refuses the gateway for 30 s in the middle of a burst: every request is still
//     served (the request path never touches Postgres) and the ledger catches up afterwards.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { randomUUID } from "node:crypto";
import type { Subprocess } from "bun";
import { createTestDatabase, servicesMode } from "../helpers/harness.ts";

/** How long Postgres stays away: the figure, long enough for thousands of requests. */
const OUTAGE_MS = 30_000;
import { startOpenAIMock } from "../mocks/openai-upstream.ts";
import type { MockUpstream } from "../mocks/types.ts";
import { openDatabase, type Database } from "../../db/client.ts";
import { LedgerFlusher } from "../../db/flusher.ts";
import { RedisHotStore } from "../../src/store/redis/redis-store.ts";
import { deleteRedisPrefix, freePort, mapLimit, pollUntil } from "./helpers.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const ADMIN_TOKEN = `crash-admin-${randomUUID()}`;
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const PREFIX = `tcrash${randomUUID().slice(0, 8)}:`;

let mock: MockUpstream;
let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let dbName: string;
/** Our own reads of the gateway's database. */
let sql: postgres.Sql;
/** A connection to the server's default database, for ALTER DATABASE and terminating backends. */
let adminSql: postgres.Sql;
let gateway: Subprocess | null = null;
let ports: { port: number; adminPort: number };
let output = "";

async function startGateway(): Promise<void> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("PROVIDER_")) env[k] = v;
  Object.assign(env, {
    DATABASE_URL: testDb.url,
    REDIS_URL,
    REDIS_PREFIX: PREFIX,
    ADMIN_TOKEN,
    HOST: "127.0.0.1",
    PORT: String(ports.port),
    ADMIN_PORT: String(ports.adminPort),
    PROVIDER_OPENAI_BASE_URL: `${mock.url}/v1`,
    PROVIDER_OPENAI_API_KEY: "sk-upstream-openai",
    FLUSH_INTERVAL_MS: "100",
    DEFAULT_CONCURRENCY: "100",
    DEFAULT_RPM: "0",
  });
  const proc = Bun.spawn([process.execPath, "src/main.ts"], { cwd: ROOT, env, stdout: "pipe", stderr: "pipe" });
  gateway = proc;
  for (const s of [proc.stdout, proc.stderr]) {
    void (async () => {
      for await (const chunk of s) output += new TextDecoder().decode(chunk);
    })();
  }
  await pollUntil(
    "gateway healthy",
    async () => {
      if (proc.exitCode !== null) throw new Error(`gateway exited with ${proc.exitCode}:\n${output}`);
      return fetch(`http://127.0.0.1:${ports.port}/healthz`).then((r) => r.ok, () => false);
    },
    20_000,
    25,
  );
}

async function kill9(): Promise<void> {
  if (!gateway) return;
  gateway.kill(9);
  await gateway.exited;
  gateway = null;
}

async function admin(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${ports.adminPort}/admin/v1${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as Record<string, unknown>;
}

interface Outcome {
  /** The request was attempted (false: skipped because the gateway was already dead). */
  sent: boolean;
  /** Set when the response headers arrived. */
  requestId: string | null;
  status: number | null;
  /** The client got the whole response (JSON body, or the stream's [DONE]). */
  complete: boolean;
}

/** One request over plain fetch (a crash must surface as a plain network error, no SDK retries). */
async function request(key: string, i: number, tag: string, delayMs = i % 4): Promise<Outcome> {
  const stream = i % 3 === 2;
  const out: Outcome = { sent: true, requestId: null, status: null, complete: false };
  try {
    const res = await fetch(`http://127.0.0.1:${ports.port}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "gpt-5.4-mini",
        max_tokens: 100,
        stream,
        messages: [{ role: "user", content: `${tag} ${i} [[mock:usage=${50 + (i % 17)},${5 + (i % 11)}]] [[mock:delay=${delayMs}]] [[mock:gap=${i % 3}]]` }],
      }),
    });
    out.status = res.status;
    out.requestId = res.headers.get("x-request-id");
    const text = await res.text();
    out.complete = res.status === 200 && (stream ? text.includes("data: [DONE]") : text.includes('"choices"'));
  } catch {
    // connection refused or reset by the crash
  }
  return out;
}

async function usageRows(userId: string): Promise<{ event_id: string; n: number }[]> {
  return sql`select event_id, count(*)::int as n from ledger where user_id = ${userId} and kind = 'usage' group by event_id`;
}

async function balanceIsItsLedger(userId: string): Promise<{ balance: bigint; ledger: bigint }> {
  const [row] = await sql`select
      (select balance_micro::text from users where id = ${userId}) as balance,
      (select coalesce(sum(amount_micro), 0)::text from ledger where user_id = ${userId}) as ledger`;
  return { balance: BigInt(row!.balance as string), ledger: BigInt(row!.ledger as string) };
}

async function allowConnections(allow: boolean): Promise<void> {
  await adminSql.unsafe(`alter database ${dbName} allow_connections ${allow ? "true" : "false"}`);
}

// Needs the real Postgres and Redis (SLUICE_TEST_STORAGE=services); skipped otherwise.
describe.skipIf(!servicesMode)("gateway process crashes and Postgres outages", () => {
  beforeAll(async () => {
    mock = await startOpenAIMock();
    testDb = await createTestDatabase();
    dbName = new URL(testDb.url).pathname.slice(1);
    sql = postgres(testDb.url, { max: 2, onnotice: () => {} });
    adminSql = postgres(process.env.DATABASE_URL ?? "postgres://127.0.0.1:5432/test", { max: 1, onnotice: () => {} });
    ports = { port: await freePort(), adminPort: await freePort() };
    await startGateway();
  }, 30_000);

  afterAll(async () => {
    await kill9();
    await allowConnections(true).catch(() => {});
    await sql?.end();
    await adminSql?.end();
    await testDb?.drop();
    await mock?.stop();
    await deleteRedisPrefix(REDIS_URL, PREFIX);
  }, 30_000);

  let userId: string;
  let key: string;
  const completedIds: string[] = [];

  test("kill -9 mid-burst, restart: every complete response has exactly one ledger row; balance = its ledger", async () => {
    userId = String((await admin("/users", { name: "crash" })).id);
    await admin(`/users/${userId}/credits`, { credits: 100, reason: "crash test" });
    key = String((await admin(`/users/${userId}/keys`, {})).key);

    let completes = 0;
    let killed = false;
    const killAt = 40;
    const outcomes = await mapLimit(Array.from({ length: 400 }, (_, i) => i), 12, async (i) => {
      if (killed) return { sent: false, requestId: null, status: null, complete: false } satisfies Outcome;
      const o = await request(key, i, "crash");
      if (o.complete && ++completes === killAt) {
        killed = true;
        await kill9();
      }
      return o;
    });
    expect(killed).toBe(true);
    const complete = outcomes.filter((o) => o.complete);
    const interrupted = outcomes.filter((o) => o.sent && !o.complete).length;
    expect(outcomes.filter((o) => o.status !== null && o.status !== 200)).toEqual([]);
    for (const o of complete) completedIds.push(o.requestId!);
    const upstreamCalls = mock.requests.length;

    await startGateway();

    // The restarted gateway flushes what is new. Entries the dead process had read but not
    // acked are taken over by XAUTOCLAIM once idle for 30 s; a flusher with a 300 ms idle
    // threshold (same code, another consumer) does that here so the test needs no 30 s wait.
    const database: Database = await openDatabase({ databaseUrl: testDb.url });
    const store = new RedisHotStore({ url: REDIS_URL, prefix: PREFIX });
    const reclaimer = new LedgerFlusher(database, store, { consumer: "crash-test-reclaimer", intervalMs: 50, claimIdleMs: 300 });
    let reclaimed = 0;
    try {
      await pollUntil("ledger stream drained", async () => {
        reclaimed += await reclaimer.flushOnce();
        return (await store.ledgerLag(Date.now())).pending === 0;
      }, 15_000, 50);
    } finally {
      await store.close();
      await database.close();
    }

    const rows = await usageRows(userId);
    const byId = new Map(rows.map((r) => [r.event_id, r.n]));
    // Every request the client saw complete was billed exactly once.
    expect(completedIds.filter((id) => byId.get(id) !== 1)).toEqual([]);
    // Nothing billed twice, and nothing billed that never reached the upstream.
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    expect(rows.length).toBeLessThanOrEqual(upstreamCalls);
    // The balance is exactly signup + adjustments + usage, and the hot copy agrees.
    const { balance, ledger } = await balanceIsItsLedger(userId);
    expect(balance).toBe(ledger);
    const hot = await admin(`/users/${userId}`);
    expect(BigInt(hot.balance_micro as number)).toBe(balance);
    console.log(
      `[crash] killed after ${complete.length} complete responses; ${interrupted} cut off in flight; ${rows.length} usage rows ` +
        `(${rows.length - complete.length} billed whose response the crash cut off); ${reclaimed} reclaimed from the dead consumer`,
    );
  }, 40_000);

  test(`Postgres refuses connections for ${OUTAGE_MS / 1000} s mid-burst: every request is served, the ledger catches up`, async () => {
    const before = (await usageRows(userId)).length;
    let stop = false;
    const outcomes: Outcome[] = [];
    const workers = Array.from({ length: 6 }, async (_, w) => {
      for (let i = 0; !stop; i++) outcomes.push(await request(key, i * 6 + w, "outage", 20));
    });
    await pollUntil("requests before the outage", async () => outcomes.length >= 20);
    // Postgres goes away for the gateway: no new connections, existing ones terminated.
    await allowConnections(false);
    await adminSql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${dbName} and pid <> pg_backend_pid()`;
    const outageStart = outcomes.length;
    const logBefore = output.length;
    await Bun.sleep(OUTAGE_MS); // the outage itself
    const during = outcomes.slice(outageStart);
    // It really was an outage for the flusher: it failed, and settled entries piled up in Redis.
    const store = new RedisHotStore({ url: REDIS_URL, prefix: PREFIX });
    const lag = await store.ledgerLag(Date.now()).finally(() => store.close());
    expect(output.slice(logBefore)).toContain("ledger flush failed");
    expect(lag.pending).toBeGreaterThan(during.length / 2);
    await allowConnections(true);
    const outageEnd = outcomes.length;
    await pollUntil("requests after the outage", async () => outcomes.length >= outageEnd + 20);
    stop = true;
    await Promise.all(workers);

    expect(during.length).toBeGreaterThan(20);
    expect(outcomes.filter((o) => !o.complete)).toEqual([]);
    const ids = outcomes.map((o) => o.requestId!);

    const t0 = Date.now();
    const rows = await pollUntil("ledger caught up", async () => {
      const r = await usageRows(userId);
      return r.length === before + ids.length ? r : null;
    }, 10_000, 50);
    const catchUpMs = Date.now() - t0;
    const byId = new Map(rows.map((r) => [r.event_id, r.n]));
    expect(ids.filter((id) => byId.get(id) !== 1)).toEqual([]);
    const { balance, ledger } = await balanceIsItsLedger(userId);
    expect(balance).toBe(ledger);
    const hot = await admin(`/users/${userId}`);
    expect(BigInt(hot.balance_micro as number)).toBe(balance);
    console.log(`[crash] Postgres outage: ${outcomes.length} requests all 200 (${during.length} during the ${OUTAGE_MS / 1000} s outage); ${lag.pending} entries waiting in Redis at its end; ledger caught up ${catchUpMs} ms after`);
  }, OUTAGE_MS + 45_000);
});
