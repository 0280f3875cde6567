// `npm run bench` — Sluice against a plain Bun proxy and the bare mock upstream, side by side,
// same load. See bench/README.md for what is measured and how to read it.
//
//   npm run bench                  full run (~6-9 min)
//   npm run bench -- --quick       ~1.5-2 min
//   npm run bench -- --profile     separate profiling run: gateway under load with
//                                  `bun --cpu-prof`, top self-time functions (add --redis
//                                  to profile the Redis + Postgres configuration)
//   --pin                          pin the server under test to CPU 1, the rest to CPU 0
//   --only=direct,plain,embedded,redis,translate,memory,ledger   run a subset
//
// Servers run as child processes (`bun bench/<server>.ts`); this process is the load
// generator. CPU per request and peak RSS are read from /proc for the server's pid.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { randomUUID } from "node:crypto";
import { spawnSync } from "node:child_process";
import postgres from "postgres";
import Redis from "ioredis";
import { cpuMicros, hasCommand, memory, openFilesLimit, resetPeak, spawnBun, type Child } from "./lib/proc.ts";
import { oneRequest, pairedSingleConnection, singleConnection, type RequestSpec, type SingleStats } from "./lib/http1.ts";
import { load, warmup, type LoadResult } from "./lib/load.ts";
import { slowStreamSpec, WORKLOADS, type WorkloadId } from "./lib/workloads.ts";
import { profileMarkdown, summarizeProfile } from "./lib/profile.ts";
import { createTestDatabase } from "../test/helpers/databases.ts";
import { deleteRedisPrefix } from "../test/metering/helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const RESULTS = new URL("./results/", import.meta.url).pathname;

// ---- options -----------------------------------------------------------------------------

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const pin = argv.includes("--pin");
const profileMode = argv.includes("--profile");
const profileRedis = argv.includes("--redis");
const only = argv.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const enabled = (part: string) => !only || only.includes(part);

const S = quick
  ? { warmupS: 1, durationS: 4, connections: 64, singleWarmup: 50, singleIterations: 300, memoryLevels: [1000], ledgerEntries: 50_000 }
  : { warmupS: 3, durationS: 12, connections: 64, singleWarmup: 200, singleIterations: 2000, memoryLevels: [1000, 5000, 10_000], ledgerEntries: 100_000 };

const DATABASE_BASE = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const ADMIN_TOKEN = `bench-${randomUUID()}`;
const MAX_STREAMS = Math.max(...S.memoryLevels);
const QUIET_WAIT_S = quick ? 2 : 10;
const SERVER_CPU = pin ? "1" : undefined;
const OTHER_CPU = pin ? "0" : undefined;

if (pin && hasCommand("taskset")) spawnSync("taskset", ["-p", "-c", "0", String(process.pid)], { stdio: "ignore" });

const log = (msg: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

// ---- result shapes -----------------------------------------------------------------------

type ScenarioId = "DIRECT" | "PLAIN" | "SLUICE-EMBEDDED" | "SLUICE-REDIS" | "SLUICE-TRANSLATE";

interface Row {
  scenario: ScenarioId;
  workload: WorkloadId;
  status: "ok" | "n/a" | "error" | "skipped";
  note?: string;
  load?: LoadResult;
  single?: SingleStats;
  /** PLAIN measured in alternating blocks with this row's single-connection run (SLUICE rows). */
  singlePlainPaired?: SingleStats;
  /** Seconds spent waiting for other processes to quiet down before the measured run. */
  waitedForQuietS?: number;
  /** CPU of the process under test (mock for DIRECT, proxy for PLAIN, gateway for SLUICE). */
  cpuUsPerRequest?: number;
  mockCpuUsPerRequest?: number;
  loadgenCpuUsPerRequest?: number;
  redisCpuUsPerRequest?: number;
  /** CPU used on the machine by processes other than ours during the run, in cores. */
  foreignCores?: number;
  peakRssBytes?: number;
  lag?: { maxPending: number; maxOldestAgeMs: number; samples: number };
  vsPlain?: { throughput: number; addedSingleP50Ms: number; addedTtfbP50Ms: number | null; addedLoadP50Ms: number; p99Ratio: number; plainWorkload: WorkloadId };
}

interface MemoryRow {
  target: "SLUICE-EMBEDDED" | "PLAIN";
  streams: number;
  opened: number;
  failed: number;
  openMs: number;
  upstreamOpen: number;
  baselineRssBytes: number;
  loadedRssBytes: number;
  bytesPerStream: number;
  peakRssBytes: number;
  openFilesLimit: number;
  note?: string;
}

interface LedgerResult {
  entries: number;
  fillMs: number;
  appendPerSecond: number;
  flushed: number;
  drainMs: number;
  entriesPerSecond: number;
  pendingAfterDrain: number;
  rowsWritten: number;
  amountsMatch: boolean;
}

const rows: Row[] = [];
const memoryRows: MemoryRow[] = [];
let ledgerResult: LedgerResult | { error: string } | null = null;
const lagUnderLoad: Record<string, { maxPending: number; maxOldestAgeMs: number; drainAfterLoadMs: number }> = {};
const errors: string[] = [];

// ---- helpers -----------------------------------------------------------------------------

function busyJiffies(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
}
const TICK_US = (() => {
  const n = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim());
  return 1e6 / (Number.isFinite(n) && n > 0 ? n : 100);
})();

async function redisCpuSeconds(redis: Redis | null): Promise<number | null> {
  if (!redis) return null;
  const info = await redis.info("cpu");
  const get = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, "m").exec(info)?.[1] ?? NaN);
  return get("used_cpu_user") + get("used_cpu_sys");
}

interface Target {
  scenario: ScenarioId;
  url: string;
  pid: number;
  key: string;
  controlUrl?: string;
  redis?: Redis | null;
}

async function control(t: { controlUrl?: string }, path: string): Promise<Record<string, number>> {
  if (!t.controlUrl) return {};
  const res = await fetch(t.controlUrl + path);
  return (await res.json()) as Record<string, number>;
}

let mock: Child<{ url: string; pid: number }>;
/** Kept running for the whole benchmark: SLUICE latency is measured paired with it. */
let plainProxy: Child<{ url: string; pid: number }> | null = null;

/**
 * Waits (a bounded time) until the machine is quiet: other engineers' test runs or builds
 * on the same box would otherwise be measured as our cost.
 */
async function quiet(maxWaitS: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const b0 = busyJiffies();
    await Bun.sleep(300);
    const cores = ((busyJiffies() - b0) * TICK_US) / 300_000;
    const waited = (performance.now() - started) / 1000;
    if (cores < 0.3 || waited >= maxWaitS) return waited;
  }
}

function isTranslationMissing(status: number, body: string): boolean {
  return (
    status === 400 &&
    (body.includes("model_not_available_on_endpoint") || /not (yet )?available on this endpoint|available on this endpoint yet/.test(body))
  );
}

/** One scenario x workload: check, warm up, single-connection latency, then the measured load. */
async function measure(t: Target, workloadId: WorkloadId): Promise<Row> {
  const w = WORKLOADS[workloadId];
  const spec: RequestSpec = w.spec(t.key);
  const row: Row = { scenario: t.scenario, workload: workloadId, status: "ok" };
  log(`${t.scenario} ${workloadId}`);
  try {
    const probe = await oneRequest(t.url, spec);
    if (probe.status !== 200) {
      if (t.scenario === "SLUICE-TRANSLATE" && isTranslationMissing(probe.status, probe.body)) {
        return { ...row, status: "n/a", note: "n/a (translation not landed)" };
      }
      throw new Error(`probe answered ${probe.status}: ${probe.body.slice(0, 300)}`);
    }
    const wrong = w.check(probe.body);
    if (wrong) throw new Error(`probe response is wrong: ${wrong}`);

    await warmup(t.url, spec, S.connections, S.warmupS);
    const singleOpts = { warmup: S.singleWarmup, iterations: S.singleIterations };
    if (t.scenario.startsWith("SLUICE") && plainProxy) {
      const plainSpec = WORKLOADS[workloadId === "translate-stream" ? "anthropic-stream" : workloadId].spec("sk-plain");
      const pair = await pairedSingleConnection({ url: plainProxy.info.url, spec: plainSpec }, { url: t.url, spec }, singleOpts);
      row.singlePlainPaired = pair.a;
      row.single = pair.b;
    } else {
      row.single = await singleConnection(t.url, spec, singleOpts);
    }

    row.waitedForQuietS = await quiet(QUIET_WAIT_S);

    if (t.controlUrl) await control(t, "/lag/start");
    const peakIsPerRun = resetPeak(t.pid);
    const cpu0 = cpuMicros(t.pid);
    const mock0 = cpuMicros(mock.pid);
    const self0 = process.cpuUsage();
    const busy0 = busyJiffies();
    const redis0 = await redisCpuSeconds(t.redis ?? null);
    row.load = await load(t.url, spec, S.connections, S.durationS);
    const redis1 = await redisCpuSeconds(t.redis ?? null);
    const busy1 = busyJiffies();
    const self1 = process.cpuUsage(self0);
    const cpu1 = cpuMicros(t.pid);
    const mock1 = cpuMicros(mock.pid);
    if (t.controlUrl) {
      const lag = await control(t, "/lag/stop");
      row.lag = { maxPending: lag.maxPending!, maxOldestAgeMs: lag.maxOldestAgeMs!, samples: lag.samples! };
    }
    const n = Math.max(1, row.load.requests + row.load.non2xx);
    const ours = cpu1 - cpu0 + (t.pid === mock.pid ? 0 : mock1 - mock0) + self1.user + self1.system;
    const redisUs = redis0 !== null && redis1 !== null ? (redis1 - redis0) * 1e6 : 0;
    row.cpuUsPerRequest = (cpu1 - cpu0) / n;
    row.mockCpuUsPerRequest = (mock1 - mock0) / n;
    row.loadgenCpuUsPerRequest = (self1.user + self1.system) / n;
    if (redis0 !== null && redis1 !== null) row.redisCpuUsPerRequest = redisUs / n;
    row.foreignCores = Math.max(0, ((busy1 - busy0) * TICK_US - ours - redisUs) / (row.load.durationS * 1e6));
    row.peakRssBytes = memory(t.pid).hwm;
    if (!peakIsPerRun) row.note = [row.note, "peak RSS since process start"].filter(Boolean).join("; ");
    if (row.load.non2xx > 0 || row.load.errors > 0) {
      row.note = `${row.load.non2xx} non-2xx, ${row.load.errors} errors during load`;
      if (row.load.requests === 0) row.status = "error";
    }
    if (row.waitedForQuietS >= QUIET_WAIT_S) row.note = [row.note, "machine was busy before the run"].filter(Boolean).join("; ");
    if (row.foreignCores > 0.25) row.note = [row.note, `other processes used ${row.foreignCores.toFixed(2)} cores during the run`].filter(Boolean).join("; ");
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    row.status = "error";
    row.note = msg.split("\n")[0]!.slice(0, 300);
    log(`  error: ${msg}`);
    if (t.scenario !== "SLUICE-TRANSLATE") errors.push(`${t.scenario} ${workloadId}: ${row.note}`);
  }
  return row;
}

async function admin(adminUrl: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${adminUrl}/admin/v1${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`admin ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** A user with a balance no benchmark can spend, and a key without limits. */
async function benchKey(adminUrl: string): Promise<string> {
  const user = await admin(adminUrl, "/users", { name: "bench" });
  await admin(adminUrl, `/users/${String(user.id)}/credits`, { credits: 1_000_000_000, reason: "benchmark" });
  const key = await admin(adminUrl, `/users/${String(user.id)}/keys`, { name: "bench", rpm: 0, concurrency: 0 });
  return String(key.key);
}

interface SluiceInfo {
  gatewayUrl: string;
  adminUrl: string;
  controlUrl: string;
  pid: number;
  store: string;
  database: string;
}

function sluiceEnv(extra: Record<string, string>): Record<string, string> {
  const mockUrl = mock.info.url;
  return {
    PROVIDER_OPENAI_BASE_URL: `${mockUrl}/v1`,
    PROVIDER_OPENAI_API_KEY: "sk-upstream-openai",
    PROVIDER_ANTHROPIC_BASE_URL: mockUrl,
    PROVIDER_ANTHROPIC_API_KEY: "sk-ant-upstream",
    PROVIDER_DEEPSEEK_BASE_URL: `${mockUrl}/slow/v1`,
    PROVIDER_DEEPSEEK_API_KEY: "sk-upstream-deepseek",
    ADMIN_TOKEN,
    DATA_DIR: "memory://",
    DATABASE_URL: "",
    REDIS_URL: "",
    DEFAULT_RPM: "0",
    DEFAULT_CONCURRENCY: "0",
    DEFAULT_SPEND_CAP_CREDITS: "0",
    ...extra,
  };
}

async function startSluiceChild(extraEnv: Record<string, string>, opts: { nofile?: number; bunArgs?: string[] } = {}): Promise<Child<SluiceInfo>> {
  return spawnBun<SluiceInfo>("bench/sluice-server.ts", {
    env: sluiceEnv(extraEnv),
    cpus: SERVER_CPU,
    nofile: opts.nofile,
    bunArgs: opts.bunArgs,
    readyTimeoutMs: 120_000,
  });
}

async function services(): Promise<{ ok: boolean; why?: string }> {
  try {
    const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
    await r.connect();
    await r.ping();
    r.disconnect();
  } catch (err) {
    return { ok: false, why: `Redis at ${REDIS_URL} unreachable (${err instanceof Error ? err.message : err})` };
  }
  try {
    const sql = postgres(DATABASE_BASE, { max: 1, connect_timeout: 3, onnotice: () => {} });
    await sql`select 1`;
    await sql.end();
  } catch (err) {
    return { ok: false, why: `Postgres at ${DATABASE_BASE} unreachable (${err instanceof Error ? err.message : err})` };
  }
  return { ok: true };
}

/** A database of its own for a run, beside the one BENCH_DATABASE_URL names. */
const freshDatabase = () => createTestDatabase(DATABASE_BASE, "sluice_bench");

// ---- scenarios ---------------------------------------------------------------------------

const THROUGHPUT_WORKLOADS: WorkloadId[] = ["openai-json", "openai-stream", "anthropic-stream"];

async function runDirect(): Promise<void> {
  const t: Target = { scenario: "DIRECT", url: mock.info.url, pid: mock.pid, key: "sk-direct" };
  for (const w of THROUGHPUT_WORKLOADS) rows.push(await measure(t, w));
}

async function runPlain(): Promise<void> {
  const proxy = plainProxy!;
  const t: Target = { scenario: "PLAIN", url: proxy.info.url, pid: proxy.pid, key: "sk-plain" };
  for (const w of THROUGHPUT_WORKLOADS) rows.push(await measure(t, w));
}

async function runEmbedded(withThroughput: boolean): Promise<void> {
  if (!withThroughput) return;
  const gw = await startSluiceChild({});
  try {
    const key = await benchKey(gw.info.adminUrl);
    const t: Target = { scenario: "SLUICE-EMBEDDED", url: gw.info.gatewayUrl, pid: gw.pid, key, controlUrl: gw.info.controlUrl };
    for (const w of THROUGHPUT_WORKLOADS) rows.push(await measure(t, w));
    const drained = await control(t, "/drain");
    lagUnderLoad["SLUICE-EMBEDDED"] = lagSummary("SLUICE-EMBEDDED", drained.waitedMs ?? 0);
  } finally {
    await gw.stop();
  }
}

/** Translation on a gateway of its own (embedded store), so it starts from the same state as the others. */
async function runTranslate(): Promise<void> {
  const gw = await startSluiceChild({});
  try {
    const key = await benchKey(gw.info.adminUrl);
    rows.push(await measure({ scenario: "SLUICE-TRANSLATE", url: gw.info.gatewayUrl, pid: gw.pid, key, controlUrl: gw.info.controlUrl }, "translate-stream"));
  } finally {
    await gw.stop();
  }
}

function lagSummary(scenario: ScenarioId, drainMs: number) {
  const mine = rows.filter((r) => r.scenario === scenario && r.lag);
  return {
    maxPending: Math.max(0, ...mine.map((r) => r.lag!.maxPending)),
    maxOldestAgeMs: Math.max(0, ...mine.map((r) => r.lag!.maxOldestAgeMs)),
    drainAfterLoadMs: drainMs,
  };
}

async function runRedis(): Promise<void> {
  const up = await services();
  if (!up.ok) {
    log(`SLUICE-REDIS and ledger skipped: ${up.why}`);
    for (const w of THROUGHPUT_WORKLOADS) rows.push({ scenario: "SLUICE-REDIS", workload: w, status: "skipped", note: up.why });
    if (enabled("ledger")) ledgerResult = { error: `skipped: ${up.why}` };
    return;
  }
  const db = await freshDatabase();
  const redis = new Redis(REDIS_URL);
  const prefix = `bench${randomUUID().slice(0, 8)}:`;
  const ledgerPrefix = `bench${randomUUID().slice(0, 8)}:`;
  try {
    if (enabled("redis")) {
      const gw = await startSluiceChild({ DATABASE_URL: db.url, REDIS_URL, REDIS_PREFIX: prefix });
      try {
        const key = await benchKey(gw.info.adminUrl);
        const t: Target = { scenario: "SLUICE-REDIS", url: gw.info.gatewayUrl, pid: gw.pid, key, controlUrl: gw.info.controlUrl, redis };
        for (const w of THROUGHPUT_WORKLOADS) rows.push(await measure(t, w));
        const drained = await control(t, "/drain");
        lagUnderLoad["SLUICE-REDIS"] = lagSummary("SLUICE-REDIS", drained.waitedMs ?? 0);
      } finally {
        await gw.stop();
      }
    }
    if (enabled("ledger")) {
      log(`ledger: ${S.ledgerEntries} entries through LedgerFlusher.drain()`);
      try {
        const child = await spawnBun("bench/ledger-bench.ts", {
          env: { DATABASE_URL: db.url, REDIS_URL, REDIS_PREFIX: ledgerPrefix },
          args: [String(S.ledgerEntries)],
        });
        const line = await child.waitFor("RESULT ", 300_000);
        ledgerResult = JSON.parse(line.slice(7)) as LedgerResult;
        await child.exited;
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        ledgerResult = { error: msg.split("\n")[0]! };
        errors.push(`ledger: ${msg}`);
      }
    }
  } finally {
    await deleteRedisPrefix(REDIS_URL, prefix).catch(() => 0);
    await deleteRedisPrefix(REDIS_URL, ledgerPrefix).catch(() => 0);
    redis.disconnect();
    await db.drop().catch((err: unknown) => log(`could not drop the bench database: ${String(err)}`));
  }
}

/** RSS per open stream: N slow streams held open through the server under test. */
async function runMemory(): Promise<void> {
  const limit = reachableOpenFiles(2 * MAX_STREAMS + 2048);
  // A proxied stream holds two sockets in the server (client side and upstream side).
  const feasible = Math.floor((limit - 1024) / 2 / 500) * 500;
  for (const requested of S.memoryLevels) {
    const n = Math.min(requested, feasible);
    const capNote =
      n < requested ? `${requested} asked; the open-files limit here is ${limit} (hard limit, cannot be raised) and a proxied stream needs 2 descriptors` : undefined;
    if (n < requested) log(`memory: ${capNote}; measuring ${n}`);
    for (const target of ["SLUICE-EMBEDDED", "PLAIN"] as const) {
      log(`memory: ${n} open streams through ${target}`);
      const nofile = Math.min(limit, 2 * n + 2048);
      // Bun's fetch sends at most 256 requests at once unless told otherwise; the rest wait.
      const env = { BUN_CONFIG_MAX_HTTP_REQUESTS: "65535" };
      let server: Child<{ url?: string; gatewayUrl?: string; adminUrl?: string; controlUrl: string }>;
      let url: string;
      let key = "sk-plain";
      if (target === "PLAIN") {
        server = await spawnBun("bench/plain-proxy.ts", { env: { ...env, UPSTREAM: mock.info.url }, nofile, cpus: SERVER_CPU });
        url = server.info.url!;
      } else {
        server = await startSluiceChild(env, { nofile });
        url = server.info.gatewayUrl!;
        key = await benchKey(server.info.adminUrl!);
      }
      const spec = target === "PLAIN" ? { ...slowStreamSpec(key), path: "/slow/v1/chat/completions" } : slowStreamSpec(key);
      let holder: Child | null = null;
      try {
        // Warm the path once (a fast request), then a baseline after a full GC.
        await oneRequest(url, WORKLOADS["openai-json"].spec(key));
        await fetch(server.info.controlUrl + "/gc");
        await Bun.sleep(300);
        const baseline = memory(server.pid).rss;
        const upstreamBefore = ((await (await fetch(`${mock.info.url}/stats`)).json()) as { open_slow: number }).open_slow;
        holder = await spawnBun("bench/stream-holder.ts", { args: [url, String(n), JSON.stringify(spec)], nofile: n + 1024, cpus: OTHER_CPU });
        const opened = JSON.parse((await holder.waitFor("OPENED ", 180_000)).slice(7)) as { open: number; failed: number; ms: number };
        const upstreamOpen = ((await (await fetch(`${mock.info.url}/stats`)).json()) as { open_slow: number }).open_slow - upstreamBefore;
        await fetch(server.info.controlUrl + "/gc");
        await Bun.sleep(300);
        const mem = memory(server.pid);
        const row: MemoryRow = {
          target,
          streams: n,
          opened: opened.open,
          failed: opened.failed,
          openMs: opened.ms,
          upstreamOpen,
          baselineRssBytes: baseline,
          loadedRssBytes: mem.rss,
          bytesPerStream: opened.open > 0 ? (mem.rss - baseline) / opened.open : NaN,
          peakRssBytes: mem.hwm,
          openFilesLimit: openFilesLimit(server.pid),
        };
        if (capNote) row.note = capNote;
        if (opened.open < n) {
          row.note = `only ${opened.open} of ${n} streams opened (open-files limit ${row.openFilesLimit})`;
          if (target === "SLUICE-EMBEDDED") errors.push(`memory ${n}: ${row.note}`);
        }
        memoryRows.push(row);
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        memoryRows.push({
          target,
          streams: n,
          opened: 0,
          failed: n,
          openMs: 0,
          upstreamOpen: 0,
          baselineRssBytes: 0,
          loadedRssBytes: 0,
          bytesPerStream: NaN,
          peakRssBytes: 0,
          openFilesLimit: openFilesLimit(server.pid),
          note: msg.split("\n")[0],
        });
        if (target === "SLUICE-EMBEDDED") errors.push(`memory ${n}: ${msg}`);
      } finally {
        if (holder) {
          holder.send("close");
          await holder.waitFor("CLOSED", 30_000).catch(() => {});
          await holder.stop();
        }
        await server.stop();
      }
    }
  }
}

/** The highest open-files limit a child can get, up to `want` (raising the hard limit needs privileges). */
function reachableOpenFiles(want: number): number {
  const r = spawnSync("sh", ["-c", `ulimit -n ${want} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; ulimit -n`], { encoding: "utf8" });
  const n = Number(r.stdout.trim());
  return r.stdout.trim() === "unlimited" ? want : Number.isFinite(n) && n > 0 ? n : 1024;
}

// ---- comparison, targets, report ---------------------------------------------------------

function compare(): void {
  for (const r of rows) {
    if (r.status !== "ok" || r.scenario === "PLAIN" || r.scenario === "DIRECT") continue;
    const plainWorkload: WorkloadId = r.workload === "translate-stream" ? "anthropic-stream" : r.workload;
    const p = rows.find((x) => x.scenario === "PLAIN" && x.workload === plainWorkload && x.status === "ok");
    if (!p || !p.load || !r.load || !p.single || !r.single) continue;
    const ps = r.singlePlainPaired ?? p.single;
    r.vsPlain = {
      plainWorkload,
      throughput: r.load.rps / p.load.rps,
      addedSingleP50Ms: r.single.p50Ms - ps.p50Ms,
      addedTtfbP50Ms: WORKLOADS[r.workload].stream ? r.single.ttfbP50Ms - ps.ttfbP50Ms : null,
      addedLoadP50Ms: r.load.p50Ms - p.load.p50Ms,
      p99Ratio: r.load.p99Ms / p.load.p99Ms,
    };
  }
}

interface Verdict {
  target: string;
  figure: string;
  pass: boolean | null;
}

function targets(): Verdict[] {
  const out: Verdict[] = [];
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  const ms = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(3)} ms`;
  for (const [scenario, minRatio, maxAdded] of [
    ["SLUICE-EMBEDDED", 0.75, 0.15],
    ["SLUICE-REDIS", 0.6, 0.3],
  ] as const) {
    for (const r of rows.filter((x) => x.scenario === scenario)) {
      if (!r.vsPlain) {
        out.push({ target: `${scenario} ${r.workload}`, figure: r.note ?? r.status, pass: null });
        continue;
      }
      out.push({ target: `${scenario} ${r.workload}: throughput >= ${pct(minRatio)} of PLAIN`, figure: pct(r.vsPlain.throughput), pass: r.vsPlain.throughput >= minRatio });
      out.push({
        target: `${scenario} ${r.workload}: added 1-conn p50 latency <= ${maxAdded} ms`,
        figure: ms(r.vsPlain.addedSingleP50Ms),
        pass: r.vsPlain.addedSingleP50Ms <= maxAdded,
      });
      out.push({ target: `${scenario} ${r.workload}: p99 under load <= 2x PLAIN`, figure: `${r.vsPlain.p99Ratio.toFixed(2)}x`, pass: r.vsPlain.p99Ratio <= 2 });
    }
  }
  const sluiceMem = memoryRows.filter((m) => m.target === "SLUICE-EMBEDDED" && Number.isFinite(m.bytesPerStream));
  const top = sluiceMem.sort((a, b) => b.streams - a.streams)[0];
  if (top) {
    const at10k = top.streams >= 10_000 && top.opened >= 10_000;
    out.push({
      target: `RSS per open stream <= 50 KiB at 10k streams${at10k ? "" : ` (measured at ${fmt.n(top.opened)} open streams${top.note ? "; see the memory table" : ""})`}`,
      figure: `${(top.bytesPerStream / 1024).toFixed(1)} KiB`,
      // Quick mode measures at 1k only: the verdict is indicative there.
      pass: at10k || quick || top.opened >= 0.9 * 10_000 ? top.bytesPerStream <= 50 * 1024 : null,
    });
  }
  if (ledgerResult && "entriesPerSecond" in ledgerResult) {
    out.push({ target: "ledger flusher >= 20k entries/s", figure: `${ledgerResult.entriesPerSecond.toLocaleString("en")} entries/s`, pass: ledgerResult.entriesPerSecond >= 20_000 && ledgerResult.amountsMatch });
  } else if (ledgerResult) {
    out.push({ target: "ledger flusher >= 20k entries/s", figure: ledgerResult.error, pass: null });
  }
  for (const [scenario, l] of Object.entries(lagUnderLoad)) {
    out.push({ target: `${scenario}: ledger lag under load < 2 s`, figure: `${(l.maxOldestAgeMs / 1000).toFixed(2)} s (max ${l.maxPending} pending)`, pass: l.maxOldestAgeMs < 2000 });
  }
  return out;
}

const fmt = {
  n: (x: number | undefined, d = 0) => (x === undefined || !Number.isFinite(x) ? "-" : x.toLocaleString("en", { minimumFractionDigits: d, maximumFractionDigits: d })),
  ms: (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(x < 10 ? 3 : 1)),
  mib: (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? "-" : (x / 1048576).toFixed(0)),
};

function verdictMark(v: boolean | null): string {
  return v === null ? "n/a" : v ? "PASS" : "MISS";
}

function markdown(meta: Record<string, unknown>, verdicts: Verdict[]): string {
  const L: string[] = [];
  L.push(`# Sluice benchmark ${meta.date} (${quick ? "quick" : "full"})`, "");
  L.push(
    `${meta.cpus} CPUs (${meta.cpuModel}), Bun ${Bun.version}; load: autocannon, ${S.connections} connections, ${S.durationS} s after a ${S.warmupS} s warm-up; ` +
      `single-connection: ${S.singleIterations} sequential requests. Load average at start: ${meta.loadavg}; code: ${meta.git}. ` +
      `SLUICE single-connection runs alternate with PLAIN in blocks of 25 requests; "added 1-conn p50" compares those paired medians.${pin ? " Server under test pinned to CPU 1, everything else to CPU 0." : ""}`,
    "",
  );
  if (rows.length) L.push(
    "| scenario | workload | req/s | p50 ms | p99 ms | 1-conn p50 ms | TTFB p50 ms | CPU µs/req | peak RSS MiB (run) | vs PLAIN req/s | added 1-conn p50 | p99 vs PLAIN | note |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  );
  for (const r of rows) {
    const v = r.vsPlain;
    const minRatio = r.scenario === "SLUICE-EMBEDDED" ? 0.75 : r.scenario === "SLUICE-REDIS" ? 0.6 : null;
    const maxAdded = r.scenario === "SLUICE-EMBEDDED" ? 0.15 : r.scenario === "SLUICE-REDIS" ? 0.3 : null;
    const tag = (ok: boolean | null) => (ok === null ? "" : ok ? " PASS" : " MISS");
    if (r.status !== "ok") {
      L.push(`| ${r.scenario} | ${r.workload} | ${r.status === "n/a" ? "n/a" : r.status} | | | | | | | | | | ${r.note ?? ""} |`);
      continue;
    }
    L.push(
      [
        "",
        r.scenario,
        r.workload,
        fmt.n(r.load?.rps),
        fmt.ms(r.load?.p50Ms),
        fmt.ms(r.load?.p99Ms),
        fmt.ms(r.single?.p50Ms),
        WORKLOADS[r.workload].stream ? fmt.ms(r.single?.ttfbP50Ms) : "-",
        fmt.n(r.cpuUsPerRequest),
        fmt.mib(r.peakRssBytes),
        v ? `${(100 * v.throughput).toFixed(0)}%${tag(minRatio === null ? null : v.throughput >= minRatio)}` : "",
        v ? `${v.addedSingleP50Ms >= 0 ? "+" : ""}${v.addedSingleP50Ms.toFixed(3)} ms${tag(maxAdded === null ? null : v.addedSingleP50Ms <= maxAdded)}` : "",
        v ? `${v.p99Ratio.toFixed(2)}x${tag(minRatio === null ? null : v.p99Ratio <= 2)}` : "",
        r.note ?? "",
        "",
      ].join(" | ").trim(),
    );
  }
  L.push("");
  if (rows.length) L.push(
    "CPU µs/req is the process under test (DIRECT: the mock; PLAIN: the proxy; SLUICE: the gateway). The mock, the load generator and Redis use, per request:",
    "",
    "| scenario | workload | mock µs/req | load generator µs/req | Redis µs/req | other processes (cores) | ledger lag max (pending / oldest) |",
    "|---|---|---:|---:|---:|---:|---:|",
  );
  for (const r of rows.filter((x) => x.status === "ok")) {
    L.push(
      `| ${r.scenario} | ${r.workload} | ${fmt.n(r.mockCpuUsPerRequest)} | ${fmt.n(r.loadgenCpuUsPerRequest)} | ${fmt.n(r.redisCpuUsPerRequest)} | ${fmt.n(r.foreignCores, 2)} | ${r.lag ? `${r.lag.maxPending} / ${(r.lag.maxOldestAgeMs / 1000).toFixed(2)} s` : "-"} |`,
    );
  }
  L.push("");
  if (memoryRows.length) {
    L.push("Memory: slow streams held open (first event received, upstream holding), RSS after a full GC minus the RSS before:", "");
    L.push("| server | streams | opened | upstream open | open time s | RSS before MiB | RSS with streams MiB | per stream KiB | open-files limit | note |");
    L.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (const m of memoryRows) {
      L.push(
        `| ${m.target} | ${fmt.n(m.streams)} | ${fmt.n(m.opened)} | ${fmt.n(m.upstreamOpen)} | ${(m.openMs / 1000).toFixed(1)} | ${fmt.mib(m.baselineRssBytes)} | ${fmt.mib(m.loadedRssBytes)} | ${Number.isFinite(m.bytesPerStream) ? (m.bytesPerStream / 1024).toFixed(1) : "-"} | ${fmt.n(m.openFilesLimit)} | ${m.note ?? ""} |`,
      );
    }
    L.push("");
  }
  if (ledgerResult) {
    if ("entriesPerSecond" in ledgerResult) {
      L.push(
        `Ledger: ${fmt.n(ledgerResult.entries)} entries appended to the Redis ledger streams (appendLedger, ${fmt.n(ledgerResult.appendPerSecond)}/s), ` +
          `LedgerFlusher.drain() wrote ${fmt.n(ledgerResult.flushed)} in ${fmt.n(ledgerResult.drainMs)} ms = **${fmt.n(ledgerResult.entriesPerSecond)} entries/s** to Postgres; ` +
          `rows ${fmt.n(ledgerResult.rowsWritten)}, amounts and balances ${ledgerResult.amountsMatch ? "match" : "DO NOT match"}, pending after: ${ledgerResult.pendingAfterDrain}.`,
        "",
      );
    } else L.push(`Ledger: ${ledgerResult.error}`, "");
  }
  for (const [scenario, l] of Object.entries(lagUnderLoad)) {
    L.push(`Ledger lag during the ${scenario} load runs: max ${l.maxPending} entries pending, oldest ${(l.maxOldestAgeMs / 1000).toFixed(2)} s; stream empty ${fmt.n(l.drainAfterLoadMs)} ms after the last run.`);
  }
  L.push("", "Targets:", "", "| target | figure | verdict |", "|---|---|---|");
  for (const v of verdicts) L.push(`| ${v.target} | ${v.figure} | ${verdictMark(v.pass)} |`);
  if (errors.length) L.push("", "Errors:", "", ...errors.map((e) => `- ${e}`));
  L.push("");
  return L.join("\n");
}

// ---- profiling run -----------------------------------------------------------------------

async function runProfile(stamp: string): Promise<void> {
  const dir = `${RESULTS}profile-${stamp}${profileRedis ? "-redis" : ""}`;
  mkdirSync(dir, { recursive: true });
  let db: Awaited<ReturnType<typeof freshDatabase>> | null = null;
  let redis: Redis | null = null;
  const prefix = `benchprof${randomUUID().slice(0, 8)}:`;
  const env: Record<string, string> = {};
  if (profileRedis) {
    const up = await services();
    if (!up.ok) throw new Error(up.why);
    db = await freshDatabase();
    redis = new Redis(REDIS_URL);
    Object.assign(env, { DATABASE_URL: db.url, REDIS_URL, REDIS_PREFIX: prefix });
  }
  const gw = await startSluiceChild(env, { bunArgs: ["--cpu-prof", "--cpu-prof-md", "--cpu-prof-dir", dir] });
  const profiled: WorkloadId[] = [];
  let requests = 0;
  try {
    const key = await benchKey(gw.info.adminUrl);
    const seconds = quick ? 5 : 10;
    for (const w of [...THROUGHPUT_WORKLOADS, "translate-stream" as const]) {
      const spec = WORKLOADS[w].spec(key);
      const probe = await oneRequest(gw.info.gatewayUrl, spec);
      if (w === "translate-stream" && isTranslationMissing(probe.status, probe.body)) continue;
      if (probe.status !== 200) throw new Error(`${w}: ${probe.status} ${probe.body.slice(0, 200)}`);
      log(`profile: ${w} for ${seconds} s`);
      const r = await load(gw.info.gatewayUrl, spec, S.connections, seconds);
      profiled.push(w);
      requests += r.requests + r.non2xx;
      log(`  ${fmt.n(r.rps)} req/s`);
    }
    await fetch(gw.info.controlUrl + "/exit");
    await gw.exited;
  } finally {
    await gw.stop();
    if (redis) {
      await deleteRedisPrefix(REDIS_URL, prefix).catch(() => 0);
      redis.disconnect();
    }
    await db?.drop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
  const summary = summarizeProfile(`${dir}/${file}`, ROOT);
  const md = profileMarkdown(summary, `Gateway CPU profile (${profileRedis ? "Redis + Postgres" : "embedded"}), ${profiled.join(" + ")} under load`, requests);
  writeFileSync(`${dir}/summary.md`, md);
  writeFileSync(`${dir}/summary.json`, JSON.stringify(summary, null, 2));
  console.log(md);
  log(`profile written to ${dir} (${file}; open it in Chrome DevTools > Performance)`);
}

function gitState(): string {
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).stdout?.trim() || "?";
  const dirty = (spawnSync("git", ["--no-optional-locks", "status", "--porcelain"], { cwd: ROOT, encoding: "utf8" }).stdout ?? "").split("\n").filter(Boolean).length;
  return dirty ? `${head} + ${dirty} uncommitted paths` : head;
}

// ---- main --------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = Date.now();
  const date = new Date().toISOString();
  const stamp = `${date.slice(0, 19).replace(/:/g, "-")}Z${quick ? "-quick" : ""}`;
  mkdirSync(RESULTS, { recursive: true });

  mock = await spawnBun<{ url: string; pid: number }>("bench/mock-upstream.ts", { nofile: 2 * MAX_STREAMS + 2048, cpus: OTHER_CPU });
  try {
    if (profileMode) {
      await runProfile(stamp);
      return;
    }
    plainProxy = await spawnBun<{ url: string; pid: number }>("bench/plain-proxy.ts", { env: { UPSTREAM: mock.info.url }, cpus: SERVER_CPU });
    // A scenario that cannot start (say, the gateway fails to boot) is reported, not fatal.
    const attempt = async (name: string, expected: [ScenarioId, WorkloadId][], fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (err) {
        const msg = (err instanceof Error ? err.message : String(err)).split("\n").filter(Boolean);
        const first = msg.find((l) => /error/i.test(l) && !l.includes("exited with")) ?? msg[0] ?? "failed";
        log(`${name} failed: ${msg.join(" | ").slice(0, 600)}`);
        errors.push(`${name}: ${msg.join(" | ").slice(0, 600)}`);
        for (const [scenario, workload] of expected) {
          if (!rows.some((r) => r.scenario === scenario && r.workload === workload)) rows.push({ scenario, workload, status: "error", note: first.slice(0, 200) });
        }
      }
    };
    const each = (scenario: ScenarioId): [ScenarioId, WorkloadId][] => THROUGHPUT_WORKLOADS.map((w) => [scenario, w]);
    if (enabled("direct")) await attempt("DIRECT", each("DIRECT"), runDirect);
    if (enabled("plain")) await attempt("PLAIN", each("PLAIN"), runPlain);
    if (enabled("embedded")) await attempt("SLUICE-EMBEDDED", each("SLUICE-EMBEDDED"), () => runEmbedded(true));
    if (enabled("translate")) await attempt("SLUICE-TRANSLATE", [["SLUICE-TRANSLATE", "translate-stream"]], runTranslate);
    if (enabled("redis") || enabled("ledger")) await attempt("SLUICE-REDIS", enabled("redis") ? each("SLUICE-REDIS") : [], runRedis);
    if (enabled("memory")) await attempt("memory", [], runMemory);
  } finally {
    await plainProxy?.stop();
    await mock.stop();
  }

  const order: ScenarioId[] = ["DIRECT", "PLAIN", "SLUICE-EMBEDDED", "SLUICE-REDIS", "SLUICE-TRANSLATE"];
  rows.sort((a, b) => order.indexOf(a.scenario) - order.indexOf(b.scenario));
  compare();
  const verdicts = targets();
  const cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "?";
  const meta = {
    date,
    mode: quick ? "quick" : "full",
    cpus: navigator.hardwareConcurrency,
    cpuModel,
    bun: Bun.version,
    loadavg: loadavg().map((x) => x.toFixed(2)).join(" "),
    settings: S,
    pinned: pin,
    git: gitState(),
    elapsedS: 0,
  };
  meta.elapsedS = Math.round((Date.now() - started) / 1000);
  const md = markdown(meta, verdicts);
  const json = { meta, rows, memory: memoryRows, ledger: ledgerResult, lagUnderLoad, targets: verdicts, errors };
  writeFileSync(`${RESULTS}${stamp}.json`, `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(`${RESULTS}${stamp}.md`, md);
  // A partial run (--only) does not replace the latest complete one.
  if (!only) writeFileSync(`${RESULTS}latest.md`, md);
  console.log(`\n${md}`);
  log(`done in ${meta.elapsedS} s; results in bench/results/${stamp}.{json,md}${only ? "" : " and bench/results/latest.md"}`);
  if (errors.length) process.exitCode = 1;
}

await main();
process.exit(process.exitCode ?? 0);
