// The ledger flusher: drains the hot store's ledger stream into Postgres in batches, one
// transaction each: insert the rows (a duplicate delivery inserts nothing, thanks to the
// unique event_id), move the balances of the rows actually inserted, commit, then ack.
// A crash between commit and ack redelivers entries that then insert nothing.
import { eq, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { ledger, users } from "./schema.ts";
import type { HotStore, StreamedEntry } from "../src/store/types.ts";

export interface FlusherOptions {
  consumer: string;
  intervalMs: number;
  batchSize?: number;
  /** Entries delivered to a consumer that has not acked them for this long are taken over. */
  claimIdleMs?: number;
}

export class LedgerFlusher {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastClaim = 0;
  /** Entries read (so pending on this consumer) whose write or ack failed; retried next. */
  private failed: StreamedEntry[] | null = null;
  /** Entries written to Postgres by this flusher since start (for metrics and benchmarks). */
  flushed = 0;

  constructor(
    private readonly database: Database,
    private readonly store: HotStore,
    private readonly opts: FlusherOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.drain();
  }

  /** Flushes until the stream has nothing new for this consumer. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.flushOnce();
      total += n;
      if (n === 0) return total;
    }
  }

  /**
   * One batch. Calls take turns: drain() from a test or at shutdown must wait for a batch the
   * background loop is writing, or it would return while those entries are not yet in Postgres.
   */
  flushOnce(): Promise<number> {
    const turn = this.turn.then(() => this.flushBatch());
    this.turn = turn.catch(() => 0);
    return turn;
  }

  private turn: Promise<number> = Promise.resolve(0);

  private async flushBatch(): Promise<number> {
    const size = this.opts.batchSize ?? 1000;
    // A batch whose write or ack failed is still delivered to this consumer (pending, unacked):
    // a read of new entries never returns it again and XAUTOCLAIM would wait claimIdleMs for it,
    // so it is retried first, on its own, until it goes through.
    let batch: StreamedEntry[] = this.failed ?? [];
    this.failed = null;
    if (batch.length === 0) {
      const now = Date.now();
      const claimIdle = this.opts.claimIdleMs ?? 30_000;
      if (now - this.lastClaim >= claimIdle / 2) {
        this.lastClaim = now;
        batch = await this.store.claimLedger(this.opts.consumer, claimIdle, size);
      }
      if (batch.length < size) batch = batch.concat(await this.store.readLedger(this.opts.consumer, size - batch.length, 0));
      if (batch.length === 0) return 0;
    }
    try {
      await this.write(batch);
      await this.store.ackLedger(batch.map((b) => b.id));
    } catch (err) {
      this.failed = batch;
      throw err;
    }
    this.flushed += batch.length;
    return batch.length;
  }

  private async write(batch: StreamedEntry[]): Promise<void> {
    const rows = batch.map(({ entry: e }) => ({
      eventId: e.eventId,
      kind: e.kind,
      userId: e.userId,
      keyId: e.keyId,
      amountMicro: BigInt(e.amountMicro),
      modelId: e.modelId,
      inputTokens: e.inputTokens,
      outputTokens: e.outputTokens,
      cacheReadTokens: e.cacheReadTokens,
      cacheWriteTokens: e.cacheWriteTokens,
      reasoningTokens: e.reasoningTokens,
      prices: e.prices,
      catalogVersion: e.catalogVersion,
      estimated: e.estimated,
      status: e.status,
      meta: e.meta ?? null,
      createdAt: new Date(e.createdAtMs),
    }));
    await this.database.db.transaction(async (tx) => {
      const inserted = await tx
        .insert(ledger)
        .values(rows)
        .onConflictDoNothing({ target: ledger.eventId })
        .returning({ userId: ledger.userId, amountMicro: ledger.amountMicro });
      const byUser = new Map<string, bigint>();
      for (const r of inserted) byUser.set(r.userId, (byUser.get(r.userId) ?? 0n) + r.amountMicro);
      for (const [userId, delta] of byUser) {
        await tx.update(users).set({ balanceMicro: sql`${users.balanceMicro} + ${delta}` }).where(eq(users.id, userId));
      }
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      let n = 0;
      try {
        n = await this.flushOnce();
      } catch (err) {
        // Postgres down or a bad batch: entries stay unacked in the stream and are retried.
        console.error("[sluice] ledger flush failed, will retry:", err instanceof Error ? err.message : err);
      }
      if (n === 0 && this.running) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.opts.intervalMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = null;
      }
    }
  }
}
