// One behavioural suite for every HotStore implementation. Time is an input (nowMs), so the
// cases move the clock by passing later timestamps; only the ledger's idle/block timings use
// the wall clock, because Redis measures those itself.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { AdmissionRequest, HotStore, KeyRecord, LedgerEntry, Limits, SettlementRequest } from "./types.ts";

/** A whole second, so spend buckets (>= 1 s wide) start exactly here. */
const T0 = 1_700_000_000_000;

function limits(over: Partial<Limits> = {}): Limits {
  return { rpm: 0, concurrency: 0, spendCapMicro: 0n, spendWindowSeconds: 60, ...over };
}

function newUser(): string {
  return `u-${crypto.randomUUID().slice(0, 8)}`;
}

function admitReq(userId: string, requestId: string, over: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return { requestId, userId, limits: limits(), holdMicro: 100n, leaseMs: 30_000, nowMs: T0, ...over };
}

function entry(userId: string, over: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    eventId: `ev-${crypto.randomUUID()}`,
    kind: "usage",
    userId,
    keyId: "key-1",
    amountMicro: "-250",
    modelId: "gpt-test",
    inputTokens: 1200,
    outputTokens: 345,
    cacheReadTokens: 10,
    cacheWriteTokens: 5,
    reasoningTokens: 7,
    prices: { input: "2500000", output: "10000000", cacheRead: "1250000", cacheWrite: "3000000" },
    catalogVersion: 3,
    estimated: false,
    status: "ok",
    createdAtMs: T0,
    meta: { provider: "openai", retried: false, attempt: 1, note: null },
    ...over,
  };
}

function settleReq(
  userId: string,
  requestId: string,
  costMicro: bigint,
  over: Partial<SettlementRequest> = {},
): SettlementRequest {
  return {
    requestId,
    userId,
    costMicro,
    limits: limits(),
    nowMs: T0 + 100,
    entry: entry(userId, { amountMicro: (-costMicro).toString() }),
    ...over,
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function runHotStoreCases(name: string, make: () => Promise<HotStore>): void {
  describe(name, () => {
    let store: HotStore;

    beforeEach(async () => {
      store = await make();
    });

    afterEach(async () => {
      await store.close();
    });

    test("ping answers true", async () => {
      expect(await store.ping()).toBe(true);
    });

    describe("keys", () => {
      test("put, get and delete round-trip a record, bigint cap included", async () => {
        const hash = `h-${crypto.randomUUID()}`;
        const record: KeyRecord = {
          keyId: "k-1",
          userId: "u-1",
          status: "active",
          allowedModels: ["gpt-4o", "claude-sonnet"],
          // Above 2^53: must survive exactly, not through a double.
          limits: { rpm: 60, concurrency: 4, spendCapMicro: 2n ** 60n + 7n, spendWindowSeconds: 3600 },
        };
        expect(await store.getKey(hash)).toBeNull();
        await store.putKey(hash, record);
        const got = await store.getKey(hash);
        expect(got).toEqual(record);
        expect(got?.limits.spendCapMicro).toBe(1_152_921_504_606_846_983n);

        const open: KeyRecord = { ...record, status: "revoked", allowedModels: null, limits: limits() };
        await store.putKey(hash, open);
        expect(await store.getKey(hash)).toEqual(open);

        await store.deleteKey(hash);
        expect(await store.getKey(hash)).toBeNull();
      });
    });

    describe("balances", () => {
      test("getBalance is null when absent; initBalance sets only if absent", async () => {
        const u = newUser();
        expect(await store.getBalance(u)).toBeNull();
        expect(await store.initBalance(u, 500n)).toBe(500n);
        expect(await store.initBalance(u, 900n)).toBe(500n);
        expect(await store.getBalance(u)).toBe(500n);
      });

      test("addBalance creates at delta, adds signed deltas; setBalance overwrites", async () => {
        const u = newUser();
        expect(await store.addBalance(u, 250n)).toBe(250n);
        expect(await store.addBalance(u, -100n)).toBe(150n);
        expect(await store.getBalance(u)).toBe(150n);
        await store.setBalance(u, 9_007_199_254_740_991n);
        expect(await store.getBalance(u)).toBe(9_007_199_254_740_991n);
        expect(await store.addBalance(u, -9_007_199_254_740_990n)).toBe(1n);
        expect(await store.initBalance(u, 77n)).toBe(1n);
      });
    });

    describe("admission and settlement", () => {
      test("refuses 'balance' when available < hold, and the refusal records nothing", async () => {
        const u = newUser();
        await store.initBalance(u, 100n);
        const lim = limits({ rpm: 1, concurrency: 1 });
        expect(await store.admit(admitReq(u, "r1", { holdMicro: 101n, limits: lim }))).toEqual({
          ok: false,
          reason: "balance",
          retryAfterSeconds: 0,
          balanceMicro: 100n,
        });
        // rpm=1 and concurrency=1: had the refusal taken a slot or a hold, this would fail.
        expect(await store.admit(admitReq(u, "r2", { holdMicro: 100n, limits: lim }))).toEqual({
          ok: true,
          rpmRemaining: 0,
          concurrentRemaining: 0,
          windowSpendRemainingMicro: null,
          balanceMicro: 100n,
        });
        expect(await store.getBalance(u)).toBe(100n);
      });

      test("an absent balance counts as 0", async () => {
        const u = newUser();
        const r = await store.admit(admitReq(u, "r1", { holdMicro: 1n }));
        expect(r).toEqual({ ok: false, reason: "balance", retryAfterSeconds: 0, balanceMicro: 0n });
        expect(await store.getBalance(u)).toBeNull();
      });

      test("outstanding holds reduce what a second admit can hold", async () => {
        const u = newUser();
        await store.initBalance(u, 1000n);
        expect((await store.admit(admitReq(u, "a", { holdMicro: 600n }))).ok).toBe(true);
        const b = await store.admit(admitReq(u, "b", { holdMicro: 600n }));
        expect(b).toEqual({ ok: false, reason: "balance", retryAfterSeconds: 0, balanceMicro: 1000n });
        const c = await store.admit(admitReq(u, "c", { holdMicro: 400n }));
        expect(c.ok).toBe(true);
        expect(c.balanceMicro).toBe(1000n);
        expect((await store.admit(admitReq(u, "d", { holdMicro: 1n }))).ok).toBe(false);
      });

      test("settle charges the cost (not the hold) and releases the hold", async () => {
        const u = newUser();
        await store.initBalance(u, 1000n);
        expect((await store.admit(admitReq(u, "r1", { holdMicro: 600n }))).ok).toBe(true);
        expect(await store.settle(settleReq(u, "r1", 250n))).toEqual({ applied: true, balanceMicro: 750n });
        expect(await store.getBalance(u)).toBe(750n);
        // The whole 750 is available again: the 600 hold is gone.
        const next = await store.admit(admitReq(u, "r2", { holdMicro: 750n }));
        expect(next.ok).toBe(true);
        expect(next.balanceMicro).toBe(750n);
      });

      test("a duplicate settle is not applied and does not charge again", async () => {
        const u = newUser();
        await store.initBalance(u, 1000n);
        await store.admit(admitReq(u, "r1", { holdMicro: 600n }));
        expect(await store.settle(settleReq(u, "r1", 250n))).toEqual({ applied: true, balanceMicro: 750n });
        expect(await store.settle(settleReq(u, "r1", 250n))).toEqual({ applied: false, balanceMicro: 750n });
        expect(await store.settle(settleReq(u, "r1", 250n, { entry: null }))).toEqual({
          applied: false,
          balanceMicro: 750n,
        });
        expect(await store.getBalance(u)).toBe(750n);
        expect((await store.ledgerLag(T0 + 100)).pending).toBe(1);
      });

      test("settle without an entry releases the hold and bills nothing", async () => {
        const u = newUser();
        await store.initBalance(u, 1000n);
        await store.admit(admitReq(u, "r1", { holdMicro: 900n }));
        expect(await store.settle(settleReq(u, "r1", 300n, { entry: null }))).toEqual({
          applied: true,
          balanceMicro: 1000n,
        });
        expect((await store.admit(admitReq(u, "r2", { holdMicro: 1000n }))).ok).toBe(true);
        expect(await store.ledgerLag(T0)).toEqual({ pending: 0, oldestAgeMs: 0 });
      });

      test("settle of an unknown request without an entry changes nothing", async () => {
        const u = newUser();
        await store.initBalance(u, 1000n);
        expect(await store.settle(settleReq(u, "never", 300n, { entry: null }))).toEqual({
          applied: false,
          balanceMicro: 1000n,
        });
      });

      test("rpm: a sliding 60 s window that settle does not free", async () => {
        const u = newUser();
        await store.initBalance(u, 1_000_000n);
        const lim = limits({ rpm: 3 });
        const remaining: (number | null)[] = [];
        for (let i = 0; i < 3; i++) {
          const r = await store.admit(admitReq(u, `r${i}`, { limits: lim, nowMs: T0 + i * 1000 }));
          expect(r.ok).toBe(true);
          if (r.ok) remaining.push(r.rpmRemaining);
        }
        expect(remaining).toEqual([2, 1, 0]);

        const fourth = await store.admit(admitReq(u, "r3", { limits: lim, nowMs: T0 + 3000 }));
        expect(fourth.ok).toBe(false);
        if (!fourth.ok) {
          expect(fourth.reason).toBe("rpm");
          expect(fourth.retryAfterSeconds).toBeGreaterThanOrEqual(1);
          expect(fourth.retryAfterSeconds).toBeLessThanOrEqual(60);
          // The oldest admit (T0) leaves the window at T0 + 60 s: 57 s from T0 + 3 s.
          expect(fourth.retryAfterSeconds).toBe(57);
        }

        expect((await store.settle(settleReq(u, "r0", 10n, { nowMs: T0 + 3500 }))).applied).toBe(true);
        const stillRefused = await store.admit(admitReq(u, "r3", { limits: lim, nowMs: T0 + 4000 }));
        expect(stillRefused.ok).toBe(false);
        if (!stillRefused.ok) expect(stillRefused.reason).toBe("rpm");

        const later = await store.admit(admitReq(u, "r3", { limits: lim, nowMs: T0 + 60_001 }));
        expect(later.ok).toBe(true);
        if (later.ok) expect(later.rpmRemaining).toBe(0);
      });

      test("concurrency: the third of two is refused until one settles", async () => {
        const u = newUser();
        await store.initBalance(u, 1_000_000n);
        const lim = limits({ concurrency: 2 });
        const a = await store.admit(admitReq(u, "a", { limits: lim }));
        const b = await store.admit(admitReq(u, "b", { limits: lim }));
        expect(a.ok && a.concurrentRemaining).toBe(1);
        expect(b.ok && b.concurrentRemaining).toBe(0);
        expect(await store.admit(admitReq(u, "c", { limits: lim }))).toEqual({
          ok: false,
          reason: "concurrency",
          retryAfterSeconds: 1,
          balanceMicro: 1_000_000n,
        });
        expect((await store.settle(settleReq(u, "a", 5n))).applied).toBe(true);
        const c = await store.admit(admitReq(u, "c", { limits: lim, nowMs: T0 + 200 }));
        expect(c.ok && c.concurrentRemaining).toBe(0);
      });

      test("an unsettled lease expires after leaseMs and its hold is released", async () => {
        const u = newUser();
        await store.initBalance(u, 1000n);
        const lim = limits({ concurrency: 1 });
        const base = { limits: lim, leaseMs: 1000, holdMicro: 800n };
        expect((await store.admit(admitReq(u, "a", { ...base, nowMs: T0 }))).ok).toBe(true);
        // Expiry is T0 + 1000; the lease is only gone once it is strictly in the past.
        const atExpiry = await store.admit(admitReq(u, "b", { ...base, nowMs: T0 + 1000 }));
        expect(atExpiry.ok).toBe(false);
        if (!atExpiry.ok) expect(atExpiry.reason).toBe("concurrency");
        // Both the slot and the 800 hold are free again, so another 800 fits in 1000.
        const after = await store.admit(admitReq(u, "b", { ...base, nowMs: T0 + 1001 }));
        expect(after.ok).toBe(true);
        // The expired request failing later has nothing left to release.
        expect(await store.settle(settleReq(u, "a", 0n, { entry: null, nowMs: T0 + 1002 }))).toEqual({
          applied: false,
          balanceMicro: 1000n,
        });
      });

      test("a request settled after its lease expired is still billed, once", async () => {
        const u = newUser();
        await store.initBalance(u, 1000n);
        await store.admit(admitReq(u, "a", { leaseMs: 1000, holdMicro: 500n }));
        const late = settleReq(u, "a", 300n, { nowMs: T0 + 5000 });
        expect(await store.settle(late)).toEqual({ applied: true, balanceMicro: 700n });
        expect(await store.settle(late)).toEqual({ applied: false, balanceMicro: 700n });
        expect((await store.ledgerLag(T0 + 5000)).pending).toBe(1);
      });

      test("spend window: settled spend plus holds against the cap, until the window moves on", async () => {
        const u = newUser();
        await store.initBalance(u, 1_000_000n);
        const lim = limits({ spendCapMicro: 1000n, spendWindowSeconds: 60 });
        const first = await store.admit(admitReq(u, "r1", { limits: lim, holdMicro: 800n, nowMs: T0 }));
        expect(first.ok && first.windowSpendRemainingMicro).toBe(200n);
        expect((await store.settle(settleReq(u, "r1", 800n, { limits: lim, nowMs: T0 + 500 }))).applied).toBe(true);

        const over = await store.admit(admitReq(u, "r2", { limits: lim, holdMicro: 300n, nowMs: T0 + 1000 }));
        expect(over.ok).toBe(false);
        if (!over.ok) {
          expect(over.reason).toBe("spend");
          expect(over.retryAfterSeconds).toBeGreaterThanOrEqual(1);
          expect(over.retryAfterSeconds).toBeLessThanOrEqual(61);
        }
        // Exactly at the cap is allowed.
        const fits = await store.admit(admitReq(u, "r3", { limits: lim, holdMicro: 200n, nowMs: T0 + 1000 }));
        expect(fits.ok && fits.windowSpendRemainingMicro).toBe(0n);
        await store.settle(settleReq(u, "r3", 0n, { limits: lim, entry: null, nowMs: T0 + 1100 }));

        const moved = await store.admit(admitReq(u, "r2", { limits: lim, holdMicro: 300n, nowMs: T0 + 61_000 }));
        expect(moved.ok && moved.windowSpendRemainingMicro).toBe(700n);
        expect(await store.getBalance(u)).toBe(999_200n);
      });

      test("spend window counts outstanding holds", async () => {
        const u = newUser();
        await store.initBalance(u, 1_000_000n);
        const lim = limits({ spendCapMicro: 1000n, spendWindowSeconds: 60 });
        expect((await store.admit(admitReq(u, "a", { limits: lim, holdMicro: 700n }))).ok).toBe(true);
        const b = await store.admit(admitReq(u, "b", { limits: lim, holdMicro: 400n }));
        expect(b.ok).toBe(false);
        if (!b.ok) {
          expect(b.reason).toBe("spend");
          expect(b.retryAfterSeconds).toBeGreaterThanOrEqual(1);
        }
      });

      test("20 concurrent admits with concurrency 5: exactly 5 pass", async () => {
        const u = newUser();
        await store.initBalance(u, 1_000_000n);
        const lim = limits({ concurrency: 5, rpm: 0 });
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.admit(admitReq(u, `r${i}`, { limits: lim, holdMicro: 10n }))),
        );
        expect(results.filter((r) => r.ok).length).toBe(5);
        expect(results.filter((r) => !r.ok && r.reason === "concurrency").length).toBe(15);
      });
    });

    describe("ledger", () => {
      test("settle appends the entry; read returns it intact; ack clears the lag", async () => {
        const u = newUser();
        await store.initBalance(u, 1000n);
        await store.admit(admitReq(u, "r1", { holdMicro: 500n }));
        const req = settleReq(u, "r1", 250n);
        await store.settle(req);

        expect(await store.ledgerLag(T0 + 2000)).toEqual({ pending: 1, oldestAgeMs: 2000 });
        const got = await store.readLedger("c1", 10, 0);
        expect(got.length).toBe(1);
        expect(got[0]!.entry).toEqual(req.entry!);
        expect(got[0]!.entry.amountMicro).toBe("-250");
        expect(typeof got[0]!.id).toBe("string");
        // Delivered but unacked still counts as lag.
        expect((await store.ledgerLag(T0 + 2000)).pending).toBe(1);

        await store.ackLedger(got.map((g) => g.id));
        expect(await store.ledgerLag(T0 + 2000)).toEqual({ pending: 0, oldestAgeMs: 0 });
        expect(await store.readLedger("c1", 10, 0)).toEqual([]);
      });

      test("pendingLedger lists every unacked entry, delivered or not", async () => {
        const a = newUser();
        const b = newUser();
        await store.appendLedger(entry(a, { eventId: "p1", amountMicro: "-10" }));
        await store.appendLedger(entry(b, { eventId: "p2", amountMicro: "-20" }));
        const delivered = await store.readLedger("c1", 1, 0);
        expect((await store.pendingLedger()).map((e) => e.eventId).sort()).toEqual(["p1", "p2"]);
        await store.ackLedger(delivered.map((d) => d.id));
        expect((await store.pendingLedger()).map((e) => e.eventId)).toEqual([delivered[0]!.entry.eventId === "p1" ? "p2" : "p1"]);
      });

      test("reads honour count across shards and never deliver an entry twice", async () => {
        const users = Array.from({ length: 7 }, () => newUser());
        const appended = new Set<string>();
        for (const u of users) {
          const e = entry(u, { kind: "topup", amountMicro: "1000000", keyId: null, modelId: null, prices: null });
          appended.add(e.eventId);
          const id = await store.appendLedger(e);
          expect(typeof id).toBe("string");
        }
        const first = await store.readLedger("c1", 3, 0);
        expect(first.length).toBe(3);
        const rest = await store.readLedger("c2", 10, 0);
        expect(rest.length).toBe(4);
        const seen = [...first, ...rest].map((s) => s.entry.eventId);
        expect(new Set(seen)).toEqual(appended);
        expect((await store.ledgerLag(T0)).pending).toBe(7);
        await store.ackLedger([...first, ...rest].map((s) => s.id));
        expect((await store.ledgerLag(T0)).pending).toBe(0);
      });

      test("unacked entries can be claimed by another consumer after minIdle", async () => {
        const u = newUser();
        const e = entry(u);
        const id = await store.appendLedger(e);
        const delivered = await store.readLedger("c1", 10, 0);
        expect(delivered.map((d) => d.id)).toEqual([id]);

        expect(await store.claimLedger("c2", 60_000, 10)).toEqual([]);
        await Bun.sleep(5);
        const claimed = await store.claimLedger("c2", 1, 10);
        expect(claimed.length).toBe(1);
        expect(claimed[0]!.id).toBe(id);
        expect(claimed[0]!.entry).toEqual(e);
        // Claimed entries are not new: a plain read does not hand them out again.
        expect(await store.readLedger("c1", 10, 0)).toEqual([]);

        await store.ackLedger([id]);
        expect(await store.ledgerLag(T0)).toEqual({ pending: 0, oldestAgeMs: 0 });
      });

      test("a blocking read waits for the next append", async () => {
        const u = newUser();
        const started = Date.now();
        expect(await store.readLedger("c1", 10, 50)).toEqual([]);
        expect(Date.now() - started).toBeGreaterThanOrEqual(40);

        const e = entry(u);
        const reading = store.readLedger("c1", 10, 5000);
        await Bun.sleep(30);
        await store.appendLedger(e);
        const got = await withTimeout(reading, 2000, "blocked read");
        expect(got.map((g) => g.entry)).toEqual([e]);
      });
    });

    test("claimMarker: the first caller sets it, later ones see it set", async () => {
      const name = `m${Math.random().toString(36).slice(2)}`;
      expect(await store.claimMarker(name)).toBe(true);
      expect(await store.claimMarker(name)).toBe(false);
    });

    describe("pub/sub", () => {
      test("publish reaches every subscriber of the channel, and only that channel", async () => {
        const seen: string[] = [];
        const other: string[] = [];
        let deliver: (m: string) => void = () => undefined;
        const received = new Promise<string>((resolve) => {
          deliver = resolve;
        });
        await store.subscribe("keys", (m) => deliver(m));
        await store.subscribe("keys", (m) => seen.push(m));
        await store.subscribe("catalog", (m) => other.push(m));
        await store.publish("keys", "revoked:abc");
        expect(await withTimeout(received, 2000, "message")).toBe("revoked:abc");
        expect(seen).toEqual(["revoked:abc"]);
        expect(other).toEqual([]);
      });
    });
  });
}
