// Embedded hot store for a single gateway instance (no Redis). It mirrors the Redis
// implementation rule for rule so that both pass the same cases in store.cases.ts; every
// mutating method runs synchronously between awaits, which is what makes admit and
// settle atomic here.

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

const RPM_WINDOW_MS = 60_000;
/** How long a settled request id is remembered to reject duplicate settles. */
const SETTLED_MEMORY_MS = 600_000;

interface Lease {
  expiresAt: number;
  holdMicro: bigint;
}

interface UserState {
  /** requestId -> admit time (only recorded while an RPM limit applies). */
  rpm: Map<string, number>;
  /** requestId -> lease; the hold shares the lease's expiry, as in Redis. */
  leases: Map<string, Lease>;
  heldMicro: bigint;
  /** bucket start ms -> settled spend in that bucket. */
  spend: Map<number, bigint>;
  /** requestId -> settle time. */
  settled: Map<string, number>;
}

interface LedgerRecord {
  streamId: string;
  entry: LedgerEntry;
  delivery: { consumer: string; atMs: number } | null;
}

interface Shard {
  /** Unacked records in append order; acked ones are deleted, so size is the lag. */
  records: Map<string, LedgerRecord>;
  lastMs: number;
  lastSeq: number;
}

export class MemoryHotStore implements HotStore {
  readonly kind = "memory" as const;

  private readonly keys = new Map<string, KeyRecord>();
  private readonly balances = new Map<string, bigint>();
  private readonly users = new Map<string, UserState>();
  private readonly subscribers = new Map<string, Set<(message: string) => void>>();
  private readonly shards: Shard[];
  private readCursor = 0;
  private readonly ledgerWaiters = new Set<() => void>();
  private closed = false;

  constructor(opts: { ledgerShards?: number } = {}) {
    const n = Math.max(1, Math.floor(opts.ledgerShards ?? 4));
    this.shards = Array.from({ length: n }, () => ({ records: new Map(), lastMs: 0, lastSeq: -1 }));
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    // Blocked readers must not hang a shutdown.
    for (const wake of [...this.ledgerWaiters]) wake();
  }

  // ---- keys ----

  async getKey(hash: string): Promise<KeyRecord | null> {
    const rec = this.keys.get(hash);
    // Copies, so a caller mutating its record cannot change the store (Redis returns fresh objects too).
    return rec ? structuredClone(rec) : null;
  }

  async putKey(hash: string, record: KeyRecord): Promise<void> {
    this.keys.set(hash, structuredClone(record));
  }

  async deleteKey(hash: string): Promise<void> {
    this.keys.delete(hash);
  }

  // ---- pub/sub ----

  async publish(channel: string, message: string): Promise<void> {
    const handlers = this.subscribers.get(channel);
    if (!handlers) return;
    for (const handler of [...handlers]) {
      try {
        handler(message);
      } catch (err) {
        // One broken subscriber must not stop delivery to the others or fail the publisher.
        console.error(`hot store: subscriber for "${channel}" threw`, err);
      }
    }
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    let set = this.subscribers.get(channel);
    if (!set) {
      set = new Set();
      this.subscribers.set(channel, set);
    }
    set.add(handler);
  }

  // ---- balances ----

  async initBalance(userId: string, balanceMicro: bigint): Promise<bigint> {
    const cur = this.balances.get(userId);
    if (cur !== undefined) return cur;
    this.balances.set(userId, balanceMicro);
    return balanceMicro;
  }

  async setBalance(userId: string, balanceMicro: bigint): Promise<void> {
    this.balances.set(userId, balanceMicro);
  }

  async addBalance(userId: string, deltaMicro: bigint): Promise<bigint> {
    const next = (this.balances.get(userId) ?? 0n) + deltaMicro;
    this.balances.set(userId, next);
    return next;
  }

  async getBalance(userId: string): Promise<bigint | null> {
    return this.balances.get(userId) ?? null;
  }

  // ---- admission / settlement ----

  async admit(req: AdmissionRequest): Promise<AdmissionResult> {
    if (req.holdMicro < 0n) throw new RangeError("holdMicro must be >= 0");
    const now = req.nowMs;
    const { limits } = req;
    const u = this.user(req.userId);
    this.purgeLeases(u, now);
    // Admissions are kept in the order they happened (see below), so the expired ones are at
    // the front: stop at the first one still inside the window.
    for (const [rid, at] of u.rpm) {
      if (at >= now - RPM_WINDOW_MS) break;
      u.rpm.delete(rid);
    }

    const balance = this.balances.get(req.userId) ?? 0n;

    if (limits.rpm > 0 && u.rpm.size >= limits.rpm) {
      let oldest = now;
      for (const at of u.rpm.values()) if (at < oldest) oldest = at;
      const retry = Math.max(1, Math.ceil((oldest + RPM_WINDOW_MS - now) / 1000));
      return { ok: false, reason: "rpm", retryAfterSeconds: retry, balanceMicro: balance };
    }

    if (limits.concurrency > 0 && u.leases.size >= limits.concurrency) {
      return { ok: false, reason: "concurrency", retryAfterSeconds: 1, balanceMicro: balance };
    }

    const windowMs = limits.spendWindowSeconds * 1000;
    let spent = 0n;
    let oldestBucket: number | null = null;
    const size = bucketSizeMs(windowMs);
    if (windowMs > 0) {
      for (const [b, amount] of u.spend) {
        if (b + size <= now - windowMs) {
          u.spend.delete(b);
        } else {
          spent += amount;
          if (oldestBucket === null || b < oldestBucket) oldestBucket = b;
        }
      }
    }
    if (limits.spendCapMicro > 0n && spent + u.heldMicro + req.holdMicro > limits.spendCapMicro) {
      const retry =
        oldestBucket === null ? 1 : Math.max(1, Math.ceil((oldestBucket + size + windowMs - now) / 1000));
      return { ok: false, reason: "spend", retryAfterSeconds: retry, balanceMicro: balance };
    }

    if (balance - u.heldMicro < req.holdMicro) {
      return { ok: false, reason: "balance", retryAfterSeconds: 0, balanceMicro: balance };
    }

    if (limits.rpm > 0) {
      u.rpm.delete(req.requestId);
      u.rpm.set(req.requestId, now);
    }
    // Re-admitting a still-open request id replaces its hold rather than stacking a second one.
    const prev = u.leases.get(req.requestId);
    if (prev) u.heldMicro -= prev.holdMicro;
    u.leases.set(req.requestId, { expiresAt: now + req.leaseMs, holdMicro: req.holdMicro });
    u.heldMicro += req.holdMicro;

    return {
      ok: true,
      rpmRemaining: limits.rpm > 0 ? limits.rpm - u.rpm.size : null,
      concurrentRemaining: limits.concurrency > 0 ? limits.concurrency - u.leases.size : null,
      windowSpendRemainingMicro: limits.spendCapMicro > 0n ? limits.spendCapMicro - spent - u.heldMicro : null,
      balanceMicro: balance,
    };
  }

  async settle(req: SettlementRequest): Promise<SettlementResult> {
    if (req.costMicro < 0n) throw new RangeError("costMicro must be >= 0");
    const now = req.nowMs;
    const u = this.user(req.userId);

    // Duplicate detection uses a settled marker kept for 10 minutes, not the hold: a request
    // whose lease expired before it finished is still billed once (it did get a response), and
    // the marker is what stops a second settle of the same id from billing it again.
    for (const [rid, at] of u.settled) {
      if (at >= now - SETTLED_MEMORY_MS) break;
      u.settled.delete(rid);
    }
    if (u.settled.has(req.requestId)) return { applied: false, balanceMicro: this.balances.get(req.userId) ?? 0n };

    this.purgeLeases(u, now);
    const lease = u.leases.get(req.requestId);
    if (!lease && req.entry === null) {
      // Failed request whose lease already expired: its hold is gone and there is nothing to bill.
      return { applied: false, balanceMicro: this.balances.get(req.userId) ?? 0n };
    }
    if (lease) {
      u.leases.delete(req.requestId);
      u.heldMicro -= lease.holdMicro;
    }

    if (req.entry !== null) {
      if (req.costMicro !== 0n) {
        this.balances.set(req.userId, (this.balances.get(req.userId) ?? 0n) - req.costMicro);
        const windowMs = req.limits.spendWindowSeconds * 1000;
        if (windowMs > 0) {
          const size = bucketSizeMs(windowMs);
          const bucket = Math.floor(now / size) * size;
          u.spend.set(bucket, (u.spend.get(bucket) ?? 0n) + req.costMicro);
        }
      }
      this.append(req.entry);
    }
    u.settled.set(req.requestId, now);
    return { applied: true, balanceMicro: this.balances.get(req.userId) ?? 0n };
  }

  // ---- ledger ----

  async appendLedger(entry: LedgerEntry): Promise<string> {
    return this.append(entry);
  }

  async readLedger(consumer: string, count: number, blockMs: number): Promise<StreamedEntry[]> {
    const got = this.deliverNew(consumer, count);
    if (got.length > 0 || blockMs <= 0 || this.closed) return got;
    await new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.ledgerWaiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, blockMs);
      this.ledgerWaiters.add(wake);
    });
    return this.deliverNew(consumer, count);
  }

  async claimLedger(consumer: string, minIdleMs: number, count: number): Promise<StreamedEntry[]> {
    const out: StreamedEntry[] = [];
    const wall = Date.now();
    for (let s = 0; s < this.shards.length && out.length < count; s++) {
      for (const rec of this.shards[s]!.records.values()) {
        if (out.length >= count) break;
        if (rec.delivery && wall - rec.delivery.atMs >= minIdleMs) {
          rec.delivery = { consumer, atMs: wall };
          out.push({ id: `${s}:${rec.streamId}`, entry: rec.entry });
        }
      }
    }
    return out;
  }

  async ackLedger(ids: string[]): Promise<void> {
    for (const id of ids) {
      const parsed = parseLedgerId(id, this.shards.length);
      const rec = this.shards[parsed.shard]!.records.get(parsed.streamId);
      // As in Redis, XACK only acks entries that were delivered; undelivered ones stay queued.
      if (rec?.delivery) this.shards[parsed.shard]!.records.delete(parsed.streamId);
    }
  }

  async ledgerLag(nowMs: number): Promise<{ pending: number; oldestAgeMs: number }> {
    let pending = 0;
    let oldest: number | null = null;
    for (const shard of this.shards) {
      pending += shard.records.size;
      const first = shard.records.values().next();
      if (!first.done) {
        const at = first.value.entry.createdAtMs;
        if (oldest === null || at < oldest) oldest = at;
      }
    }
    return { pending, oldestAgeMs: oldest === null ? 0 : Math.max(0, nowMs - oldest) };
  }

  async pendingLedger(): Promise<LedgerEntry[]> {
    return this.shards.flatMap((shard) => [...shard.records.values()].map((r) => r.entry));
  }

  async claimMarker(name: string): Promise<boolean> {
    if (this.markers.has(name)) return false;
    this.markers.add(name);
    return true;
  }

  private readonly markers = new Set<string>();

  // ---- internals ----

  private user(userId: string): UserState {
    let u = this.users.get(userId);
    if (!u) {
      u = { rpm: new Map(), leases: new Map(), heldMicro: 0n, spend: new Map(), settled: new Map() };
      this.users.set(userId, u);
    }
    return u;
  }

  private purgeLeases(u: UserState, now: number): void {
    for (const [rid, lease] of u.leases) {
      if (lease.expiresAt < now) {
        u.leases.delete(rid);
        u.heldMicro -= lease.holdMicro;
      }
    }
  }

  private append(entry: LedgerEntry): string {
    const s = ledgerShardOf(entry.userId, this.shards.length);
    const shard = this.shards[s]!;
    // Same id shape as Redis stream ids: strictly increasing "<ms>-<seq>".
    const ms = Math.max(Date.now(), shard.lastMs);
    const seq = ms === shard.lastMs ? shard.lastSeq + 1 : 0;
    shard.lastMs = ms;
    shard.lastSeq = seq;
    const streamId = `${ms}-${seq}`;
    shard.records.set(streamId, { streamId, entry, delivery: null });
    for (const wake of [...this.ledgerWaiters]) wake();
    return `${s}:${streamId}`;
  }

  private deliverNew(consumer: string, count: number): StreamedEntry[] {
    const out: StreamedEntry[] = [];
    const n = this.shards.length;
    // Start at a rotating shard so one busy shard cannot starve the others.
    const start = this.readCursor++ % n;
    const wall = Date.now();
    for (let i = 0; i < n && out.length < count; i++) {
      const s = (start + i) % n;
      for (const rec of this.shards[s]!.records.values()) {
        if (out.length >= count) break;
        if (rec.delivery) continue;
        rec.delivery = { consumer, atMs: wall };
        out.push({ id: `${s}:${rec.streamId}`, entry: rec.entry });
      }
    }
    return out;
  }
}

/** Spend-window bucket width: 1/60 of the window, at least one second. */
function bucketSizeMs(windowMs: number): number {
  return Math.max(1000, Math.floor(windowMs / 60));
}

/** FNV-1a over the user id (same as the Redis store), so a user's entries stay in one shard, in order. */
function ledgerShardOf(userId: string, shards: number): number {
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
