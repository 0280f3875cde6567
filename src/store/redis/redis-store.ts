// Hot store on Redis, shared by every gateway instance.
//
// Key layout (P = prefix):
//   P key:<sha256>        string, JSON KeyRecord (spendCapMicro as a decimal string)
//   P bal:{s<n>}:<id>     string, balance in micro-credits (INCRBY-able)
//   P rpm:{s<n>}:<id>     zset, request id -> admit time (sliding 60 s window)
//   P conc:{s<n>}:<id>    zset, request id -> lease expiry; also the expiry index of holds
//   P holds:{s<n>}:<id>   hash, "r:<request id>" -> held amount, "total" -> sum of holds
//   P spend:{s<n>}:<id>   hash, bucket start ms -> settled spend (window/60 buckets)
//   P settled:{s<n>}:<id> zset, request id -> settle time (10 min duplicate-settle guard)
//   P ledger:{s<n>}       stream, field "e" = JSON LedgerEntry; consumer group "flusher"
//   P <channel>           pub/sub channel
// n is the user's ledger shard (ledgerShardOf). Settlement charges the balance and appends
// the ledger entry in one script, so a user's keys and their shard's stream must share a
// Redis Cluster slot: they share the hash tag {s<n>} (ARCHITECTURE.md section 8 tags user
// keys {u:<id>}, which would put the stream in another slot). The cluster then spreads users
// over as many slots as there are shards (LEDGER_SHARDS).

import { readFileSync } from "node:fs";
import Redis, { Cluster } from "ioredis";
import type {
  AdmissionRequest,
  AdmissionResult,
  HotStore,
  KeyRecord,
  LedgerEntry,
  SettlementRequest,
  SettlementResult,
  StreamedEntry,
} from "../types.ts";

const COMMON_LUA = readFileSync(new URL("./common.lua", import.meta.url), "utf8");
const ADMIT_LUA = COMMON_LUA + readFileSync(new URL("./admit.lua", import.meta.url), "utf8");
const SETTLE_LUA = COMMON_LUA + readFileSync(new URL("./settle.lua", import.meta.url), "utf8");
// XDEL only what XACK actually acked, so a wrong id can never delete an undelivered entry.
// Deleting acked entries keeps XLEN equal to the ledger lag.
const ACK_LUA = `
local n = 0
for i = 2, #ARGV do
  if redis.call('XACK', KEYS[1], ARGV[1], ARGV[i]) == 1 then
    redis.call('XDEL', KEYS[1], ARGV[i])
    n = n + 1
  end
end
return n
`;

const GROUP = "flusher";
/** Ledger shards, and so Redis Cluster slots the users are spread over (LEDGER_SHARDS). */
export const DEFAULT_LEDGER_SHARDS = 4;
const CLUSTER_POLL_MS = 100;
// The scripts compare amounts as Lua doubles, which are exact only up to 2^53 micro-credits
// (about 9 billion credits); larger amounts are refused rather than silently rounded.
const MAX_EXACT_MICRO = BigInt(Number.MAX_SAFE_INTEGER);
const PING_TIMEOUT_MS = 2000;

interface ScriptCommands {
  sluiceAdmit(...args: string[]): Promise<unknown>;
  sluiceSettle(...args: string[]): Promise<unknown>;
  sluiceAck(...args: string[]): Promise<unknown>;
}

export class RedisHotStore implements HotStore {
  readonly kind = "redis" as const;

  private readonly redis: Redis | Cluster;
  private readonly scripts: ScriptCommands;
  private readonly prefix: string;
  private readonly ledgerKeys: string[];
  private readonly shardOfKey = new Map<string, number>();
  /** Lazily created: a subscribed connection cannot run other commands. */
  private sub: Redis | Cluster | null = null;
  /** Lazily created: a blocking XREADGROUP would otherwise stall admits queued behind it. */
  private blocker: Redis | Cluster | null = null;
  private readonly handlers = new Map<string, Set<(message: string) => void>>();
  private readonly subscribed = new Map<string, Promise<unknown>>();
  private groupsReady: Promise<void> | null = null;
  /** Entries a blocking read delivered beyond `count`; they are this consumer's, handed out next. */
  private readonly carry = new Map<string, StreamedEntry[]>();
  private readCursor = 0;
  private closing = false;

  constructor(opts: { url?: string; clusterNodes?: string[]; prefix?: string; ledgerShards?: number }) {
    this.prefix = opts.prefix ?? "sluice:";
    const shards = Math.max(1, Math.floor(opts.ledgerShards ?? (opts.clusterNodes ? 16 : DEFAULT_LEDGER_SHARDS)));
    this.ledgerKeys = Array.from({ length: shards }, (_, n) => `${this.prefix}ledger:{s${n}}`);
    this.ledgerKeys.forEach((k, n) => this.shardOfKey.set(k, n));
    // Integers come back as strings so balances above 2^53 are not rounded on the way in.
    // RESP2 pins the reply shapes that the raw `call`s below parse (under RESP3 an XREADGROUP
    // reply arrives as a flattened map instead).
    const connection = { stringNumbers: true, protocol: 2 } as const;
    if (opts.clusterNodes && opts.clusterNodes.length > 0) {
      // No auto-pipelining here: ioredis' cluster pipelining fails on commands sent before it
      // has loaded the slot map.
      this.redis = new Cluster(opts.clusterNodes.map(clusterNode), { redisOptions: connection });
    } else if (opts.url) {
      this.redis = new Redis(opts.url, { ...connection, enableAutoPipelining: true });
    } else {
      throw new Error("RedisHotStore needs a url or cluster nodes");
    }
    this.redis.defineCommand("sluiceAdmit", { numberOfKeys: 5, lua: ADMIT_LUA });
    this.redis.defineCommand("sluiceSettle", { numberOfKeys: 6, lua: SETTLE_LUA });
    this.redis.defineCommand("sluiceAck", { numberOfKeys: 1, lua: ACK_LUA });
    this.scripts = this.redis as unknown as ScriptCommands;
  }

  async ping(): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      // ioredis queues commands while reconnecting; a health check must answer promptly instead.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("ping timed out")), PING_TIMEOUT_MS);
      });
      return (await Promise.race([this.redis.ping(), timeout])) === "PONG";
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    // A blocked XREADGROUP would hold QUIT back until it times out.
    this.blocker?.disconnect();
    await Promise.all([quitQuietly(this.redis), this.sub ? quitQuietly(this.sub) : Promise.resolve()]);
  }

  // ---- keys ----

  async getKey(hash: string): Promise<KeyRecord | null> {
    const raw = await this.redis.get(`${this.prefix}key:${hash}`);
    return raw === null ? null : decodeKeyRecord(raw);
  }

  async putKey(hash: string, record: KeyRecord): Promise<void> {
    const wire = { ...record, limits: { ...record.limits, spendCapMicro: record.limits.spendCapMicro.toString() } };
    await this.redis.set(`${this.prefix}key:${hash}`, JSON.stringify(wire));
  }

  async deleteKey(hash: string): Promise<void> {
    await this.redis.del(`${this.prefix}key:${hash}`);
  }

  // ---- pub/sub ----

  async publish(channel: string, message: string): Promise<void> {
    await this.redis.publish(this.prefix + channel, message);
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    const full = this.prefix + channel;
    const existing = this.handlers.get(full);
    if (existing) existing.add(handler);
    else this.handlers.set(full, new Set([handler]));
    let pending = this.subscribed.get(full);
    if (!pending) {
      pending = this.subscriber().subscribe(full);
      this.subscribed.set(full, pending);
    }
    // Later subscribers wait too: resolving means messages published from now on arrive.
    try {
      await pending;
    } catch (err) {
      if (this.subscribed.get(full) === pending) this.subscribed.delete(full);
      throw err;
    }
  }

  /**
   * Redis Cluster cannot block on several shards at once (each is its own slot), so a read
   * that found nothing looks again every CLUSTER_POLL_MS until blockMs has passed.
   */
  private async pollLedger(consumer: string, count: number, blockMs: number): Promise<StreamedEntry[]> {
    const until = Date.now() + blockMs;
    while (!this.closing) {
      const wait = Math.min(CLUSTER_POLL_MS, until - Date.now());
      if (wait <= 0) return [];
      await Bun.sleep(wait);
      const got = await this.readLedger(consumer, count, 0);
      if (got.length > 0) return got;
    }
    return [];
  }

  private subscriber(): Redis | Cluster {
    if (!this.sub) {
      const sub = this.duplicate();
      this.sub = sub;
      sub.on("message", (channel: string, message: string) => {
        for (const handler of [...(this.handlers.get(channel) ?? [])]) {
          try {
            handler(message);
          } catch (err) {
            // One broken subscriber must not stop delivery to the others.
            console.error(`hot store: subscriber for "${channel}" threw`, err);
          }
        }
      });
    }
    return this.sub;
  }

  // ---- balances ----

  async initBalance(userId: string, balanceMicro: bigint): Promise<bigint> {
    checkExact("balanceMicro", balanceMicro);
    // SET NX GET (Redis >= 7): one atomic step that also tells us what was already there.
    const prev = await this.redis.call("SET", [this.userKey("bal", userId), balanceMicro.toString(), "NX", "GET"]);
    return prev === null ? balanceMicro : BigInt(asString(prev, "balance"));
  }

  async setBalance(userId: string, balanceMicro: bigint): Promise<void> {
    checkExact("balanceMicro", balanceMicro);
    await this.redis.set(this.userKey("bal", userId), balanceMicro.toString());
  }

  async addBalance(userId: string, deltaMicro: bigint): Promise<bigint> {
    checkExact("deltaMicro", deltaMicro);
    const next: unknown = await this.redis.incrby(this.userKey("bal", userId), deltaMicro.toString());
    return BigInt(asString(next, "balance"));
  }

  async getBalance(userId: string): Promise<bigint | null> {
    const raw = await this.redis.get(this.userKey("bal", userId));
    return raw === null ? null : BigInt(raw);
  }

  // ---- admission / settlement ----

  async admit(req: AdmissionRequest): Promise<AdmissionResult> {
    if (req.holdMicro < 0n) throw new RangeError("holdMicro must be >= 0");
    checkExact("holdMicro", req.holdMicro);
    checkExact("spendCapMicro", req.limits.spendCapMicro);
    const u = req.userId;
    const shard = this.shardOf(u);
    const reply = await this.scripts.sluiceAdmit(
      this.userKey("bal", u, shard),
      this.userKey("rpm", u, shard),
      this.userKey("conc", u, shard),
      this.userKey("holds", u, shard),
      this.userKey("spend", u, shard),
      req.requestId,
      String(req.nowMs),
      String(req.limits.rpm),
      String(req.limits.concurrency),
      req.limits.spendCapMicro.toString(),
      String(req.limits.spendWindowSeconds),
      req.holdMicro.toString(),
      String(req.leaseMs),
    );
    const r = asStringArray(reply);
    const head = r[0];
    if (head === "ok") {
      return {
        ok: true,
        rpmRemaining: r[1] ? Number(r[1]) : null,
        concurrentRemaining: r[2] ? Number(r[2]) : null,
        windowSpendRemainingMicro: r[3] ? BigInt(r[3]) : null,
        balanceMicro: BigInt(r[4] ?? "0"),
      };
    }
    if (head === "rpm" || head === "concurrency" || head === "spend" || head === "balance") {
      return { ok: false, reason: head, retryAfterSeconds: Number(r[1]), balanceMicro: BigInt(r[2] ?? "0") };
    }
    throw new Error(`admit script returned an unknown reply: ${JSON.stringify(r)}`);
  }

  async settle(req: SettlementRequest): Promise<SettlementResult> {
    if (req.costMicro < 0n) throw new RangeError("costMicro must be >= 0");
    checkExact("costMicro", req.costMicro);
    const u = req.userId;
    const shard = this.shardOf(u);
    const reply = await this.scripts.sluiceSettle(
      this.userKey("bal", u, shard),
      this.userKey("conc", u, shard),
      this.userKey("holds", u, shard),
      this.userKey("spend", u, shard),
      this.userKey("settled", u, shard),
      this.ledgerKeys[shard]!,
      req.requestId,
      String(req.nowMs),
      req.costMicro.toString(),
      String(req.limits.spendWindowSeconds),
      req.entry === null ? "" : JSON.stringify(req.entry),
    );
    const r = asStringArray(reply);
    return { applied: r[0] === "1", balanceMicro: BigInt(r[1] ?? "0") };
  }

  // ---- ledger ----

  async appendLedger(entry: LedgerEntry): Promise<string> {
    const key = this.ledgerKeyFor(entry.userId);
    const id = await this.redis.xadd(key, "*", "e", JSON.stringify(entry));
    if (id === null) throw new Error("XADD returned no id");
    return `${this.shardOfKey.get(key)}:${id}`;
  }

  async readLedger(consumer: string, count: number, blockMs: number): Promise<StreamedEntry[]> {
    if (count <= 0) return [];
    const out = this.takeCarry(consumer, count);
    if (out.length >= count) return out;
    await this.ensureGroups();

    // One shard at a time with the remaining count, so nothing is delivered beyond `count`;
    // the starting shard rotates so a busy shard cannot starve the others.
    const n = this.ledgerKeys.length;
    const start = this.readCursor++ % n;
    for (let i = 0; i < n && out.length < count; i++) {
      const key = this.ledgerKeys[(start + i) % n]!;
      const reply = await this.withGroups(() =>
        this.redis.call("XREADGROUP", ["GROUP", GROUP, consumer, "COUNT", String(count - out.length), "STREAMS", key, ">"]),
      );
      out.push(...this.parseStreams(reply));
    }
    if (out.length > 0 || blockMs <= 0 || this.closing) return out;
    if (this.redis instanceof Cluster) return this.pollLedger(consumer, count, blockMs);

    let reply: unknown;
    try {
      reply = await this.withGroups(() =>
        this.blocking().call("XREADGROUP", [
          "GROUP", GROUP, consumer, "COUNT", String(count), "BLOCK", String(blockMs),
          "STREAMS", ...this.ledgerKeys, ...this.ledgerKeys.map(() => ">"),
        ]),
      );
    } catch (err) {
      // close() cuts a blocked read short; that is a shutdown, not a failure.
      if (this.closing) return [];
      throw err;
    }
    // Entries that arrived on several shards before the block took effect can exceed `count`.
    const got = this.parseStreams(reply);
    if (got.length > count) this.carry.set(consumer, [...(this.carry.get(consumer) ?? []), ...got.slice(count)]);
    return got.slice(0, count);
  }

  async claimLedger(consumer: string, minIdleMs: number, count: number): Promise<StreamedEntry[]> {
    const out: StreamedEntry[] = [];
    if (count <= 0) return out;
    await this.ensureGroups();
    for (const key of this.ledgerKeys) {
      let cursor = "0-0";
      do {
        const reply = await this.withGroups(() =>
          this.redis.call("XAUTOCLAIM", [key, GROUP, consumer, String(minIdleMs), cursor, "COUNT", String(count - out.length)]),
        );
        if (!Array.isArray(reply) || typeof reply[0] !== "string") throw new Error("unexpected XAUTOCLAIM reply");
        cursor = reply[0];
        out.push(...this.parseEntries(key, reply[1]));
      } while (cursor !== "0-0" && out.length < count);
      if (out.length >= count) break;
    }
    return out;
  }

  async ackLedger(ids: string[]): Promise<void> {
    const byShard = new Map<number, string[]>();
    for (const id of ids) {
      const { shard, streamId } = parseLedgerId(id, this.ledgerKeys.length);
      const list = byShard.get(shard);
      if (list) list.push(streamId);
      else byShard.set(shard, [streamId]);
    }
    await Promise.all(
      [...byShard].map(([shard, streamIds]) => this.scripts.sluiceAck(this.ledgerKeys[shard]!, GROUP, ...streamIds)),
    );
  }

  async ledgerLag(nowMs: number): Promise<{ pending: number; oldestAgeMs: number }> {
    const perShard = await Promise.all(
      this.ledgerKeys.map(async (key) => {
        const [len, first] = await Promise.all([this.redis.xlen(key), this.redis.xrange(key, "-", "+", "COUNT", 1)]);
        const entries = this.parseEntries(key, first);
        return { len: Number(len), oldest: entries[0]?.entry.createdAtMs ?? null };
      }),
    );
    let pending = 0;
    let oldest: number | null = null;
    for (const s of perShard) {
      pending += s.len;
      if (s.oldest !== null && (oldest === null || s.oldest < oldest)) oldest = s.oldest;
    }
    return { pending, oldestAgeMs: oldest === null ? 0 : Math.max(0, nowMs - oldest) };
  }

  async pendingLedger(): Promise<LedgerEntry[]> {
    const perShard = await Promise.all(this.ledgerKeys.map(async (key) => this.parseEntries(key, await this.redis.xrange(key, "-", "+"))));
    return perShard.flat().map((e) => e.entry);
  }

  async claimMarker(name: string): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}marker:${name}`, String(Date.now()), "NX")) === "OK";
  }

  // ---- internals ----

  private shardOf(userId: string): number {
    return ledgerShardOf(userId, this.ledgerKeys.length);
  }

  /** Callers that need several of a user's keys pass the shard, hashed once. */
  private userKey(kind: string, userId: string, shard = this.shardOf(userId)): string {
    return shardedUserKey(this.prefix, kind, userId, shard);
  }

  private ledgerKeyFor(userId: string): string {
    return this.ledgerKeys[this.shardOf(userId)]!;
  }

  private blocking(): Redis | Cluster {
    this.blocker ??= this.duplicate();
    return this.blocker;
  }

  /** A second connection (or set of cluster connections) with the same settings. */
  private duplicate(): Redis | Cluster {
    // Two branches only for the type checker: the union's duplicate() signatures differ.
    return this.redis instanceof Cluster ? this.redis.duplicate() : this.redis.duplicate();
  }

  private ensureGroups(): Promise<void> {
    if (!this.groupsReady) {
      const p = Promise.all(
        this.ledgerKeys.map(async (key) => {
          try {
            // From id 0, so entries settled before any flusher started are still delivered.
            await this.redis.xgroup("CREATE", key, GROUP, "0", "MKSTREAM");
          } catch (err) {
            if (!(err instanceof Error && err.message.startsWith("BUSYGROUP"))) throw err;
          }
        }),
      ).then(() => undefined);
      this.groupsReady = p;
      // A failed attempt must not be cached forever.
      void p.catch(() => {
        if (this.groupsReady === p) this.groupsReady = null;
      });
    }
    return this.groupsReady;
  }

  /** Recreates the groups once if they vanished under us (FLUSHALL, a wiped key). */
  private async withGroups<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith("NOGROUP"))) throw err;
      this.groupsReady = null;
      await this.ensureGroups();
      return await op();
    }
  }

  private takeCarry(consumer: string, count: number): StreamedEntry[] {
    const pending = this.carry.get(consumer);
    if (!pending) return [];
    const taken = pending.splice(0, count);
    if (pending.length === 0) this.carry.delete(consumer);
    return taken;
  }

  /** XREADGROUP reply: [[key, [[id, fields], ...]], ...] or null. */
  private parseStreams(reply: unknown): StreamedEntry[] {
    if (reply === null) return [];
    if (!Array.isArray(reply)) throw new Error("unexpected XREADGROUP reply");
    const out: StreamedEntry[] = [];
    for (const stream of reply) {
      if (!Array.isArray(stream) || typeof stream[0] !== "string") throw new Error("unexpected XREADGROUP reply");
      out.push(...this.parseEntries(stream[0], stream[1]));
    }
    return out;
  }

  /** [[id, [field, value, ...] | null], ...]; null fields are entries deleted since delivery. */
  private parseEntries(key: string, items: unknown): StreamedEntry[] {
    if (!Array.isArray(items)) throw new Error("unexpected stream entries reply");
    const shard = this.shardOfKey.get(key);
    if (shard === undefined) throw new Error(`reply for a stream that is not ours: ${key}`);
    const out: StreamedEntry[] = [];
    for (const item of items) {
      if (!Array.isArray(item) || typeof item[0] !== "string") throw new Error("unexpected stream entry");
      const fields: unknown = item[1];
      if (fields === null) continue;
      if (!Array.isArray(fields)) throw new Error("unexpected stream entry fields");
      const at = fields.indexOf("e");
      const json: unknown = at >= 0 ? fields[at + 1] : undefined;
      // An entry we cannot decode is money we cannot account for: fail loudly, never skip it.
      if (typeof json !== "string") throw new Error(`ledger entry ${shard}:${item[0]} has no "e" field`);
      out.push({ id: `${shard}:${item[0]}`, entry: decodeLedgerEntry(json) });
    }
    return out;
  }
}

/** A user's key of one kind (bal, holds, ...): tagged with the user's ledger shard. */
export function redisUserKey(prefix: string, kind: string, userId: string, shards: number): string {
  return shardedUserKey(prefix, kind, userId, ledgerShardOf(userId, shards));
}

function shardedUserKey(prefix: string, kind: string, userId: string, shard: number): string {
  return `${prefix}${kind}:{s${shard}}:${userId}`;
}

/** "host:port" (REDIS_CLUSTER_NODES) as ioredis wants a cluster seed node. */
function clusterNode(hostPort: string): { host: string; port: number } {
  const at = hostPort.lastIndexOf(":");
  if (at < 0) return { host: hostPort, port: 6379 };
  return { host: hostPort.slice(0, at).replace(/^\[|\]$/g, ""), port: Number(hostPort.slice(at + 1)) };
}

/** FNV-1a over the user id: stable across processes, so a user's entries stay in one shard, in order. */
export function ledgerShardOf(userId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    h ^= userId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shards;
}

function parseLedgerId(id: string, shards: number): { shard: number; streamId: string } {
  const m = /^(\d+):(\d+-\d+)$/.exec(id);
  const shard = m ? Number(m[1]) : NaN;
  if (!m || shard >= shards) throw new RangeError(`not a ledger id of this store: "${id}"`);
  return { shard, streamId: m[2]! };
}

function checkExact(name: string, v: bigint): void {
  if (v > MAX_EXACT_MICRO || v < -MAX_EXACT_MICRO) throw new RangeError(`${name} out of range: ${v}`);
}

function asString(v: unknown, what: string): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isSafeInteger(v)) return String(v);
  throw new Error(`unexpected ${what} reply: ${String(v)}`);
}

function asStringArray(v: unknown): string[] {
  if (!Array.isArray(v)) throw new Error("unexpected script reply");
  return v.map((x: unknown) => asString(x, "script"));
}

async function quitQuietly(conn: Redis | Cluster): Promise<void> {
  try {
    await conn.quit();
  } catch {
    // Already closed or never connected: nothing left to release.
    conn.disconnect();
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function decodeKeyRecord(raw: string): KeyRecord {
  const v: unknown = JSON.parse(raw);
  const l = isRecord(v) ? v.limits : undefined;
  const cap = isRecord(l) ? l.spendCapMicro : undefined;
  if (!isRecord(v) || !isRecord(l) || typeof cap !== "string") throw new Error("malformed key record in hot store");
  return {
    keyId: String(v.keyId),
    userId: String(v.userId),
    status: v.status === "active" ? "active" : "revoked",
    allowedModels: Array.isArray(v.allowedModels) ? v.allowedModels.map((m: unknown) => String(m)) : null,
    limits: {
      rpm: Number(l.rpm),
      concurrency: Number(l.concurrency),
      spendCapMicro: BigInt(cap),
      spendWindowSeconds: Number(l.spendWindowSeconds),
    },
  };
}

function decodeLedgerEntry(json: string): LedgerEntry {
  const v: unknown = JSON.parse(json);
  if (!isRecord(v) || typeof v.eventId !== "string" || typeof v.userId !== "string" || typeof v.amountMicro !== "string") {
    throw new Error("malformed ledger entry in stream");
  }
  // Written only by this store from a typed LedgerEntry, so the checks above guard against
  // foreign writers rather than re-validating every field.
  return v as unknown as LedgerEntry;
}
