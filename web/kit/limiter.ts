// Sign-in attempt limits on the hot store's own admission script: each bucket (an email, an
// address) is a pseudo-user whose only limit is an RPM window. So the limit is shared by
// every instance on one Redis, costs one round trip per bucket, and needs no new script.
// Pseudo-user ids are hashed: no email lands in Redis, and they can never equal a real
// user id (usr_...). With the in-process store the windows are per process, like every
// other limit in that single-instance mode.
import { randomUUID } from "node:crypto";
import { sha256Hex } from "../../db/admin-token.ts";
import type { HotStore } from "../../src/store/types.ts";

export interface Bucket {
  /** What is limited, e.g. "email:a@b.c" or "ip:10.0.0.1". */
  id: string;
  /** Attempts per rolling minute. */
  rpm: number;
}

export type LimitDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

export class AttemptLimiter {
  constructor(
    private readonly store: () => HotStore,
    private readonly namespace: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one attempt against every bucket; refused when any of them is full. */
  async take(buckets: Bucket[]): Promise<LimitDecision> {
    for (const b of buckets) {
      const r = await this.store().admit({
        requestId: randomUUID(),
        userId: `web-limit:${this.namespace}:${sha256Hex(b.id).slice(0, 32)}`,
        limits: { rpm: b.rpm, concurrency: 0, spendCapMicro: 0n, spendWindowSeconds: 60 },
        holdMicro: 0n,
        // The lease admit opens is not needed here; a 1 ms one lapses on its own.
        leaseMs: 1,
        nowMs: this.now(),
      });
      if (!r.ok) return { ok: false, retryAfterSeconds: Math.max(1, r.retryAfterSeconds) };
    }
    return { ok: true };
  }
}
