// The ledger flusher: drains the hot store's ledger stream into Postgres in batches, one
// transaction each: claim the event ids in ledger_events and insert the rows whose claim is
// new (a duplicate delivery inserts nothing), move the balances of the rows actually
// inserted, commit, then ack.
// A crash between commit and ack redelivers entries that then insert nothing.
import { sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import type { HotStore, LedgerEntry, StreamedEntry } from "../src/store/types.ts";

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

  // One statement per batch: the rows go in as one array per column (unnest), so the query
  // text and its parameter count stay the same whatever the batch size, and the balances of
  // the rows actually inserted move in the same statement. A row-by-row VALUES list built by
  // the ORM cost more CPU than the database did, and an UPDATE per user a round trip each.
  // JSON columns are sent once per distinct value and picked by index (a batch mostly repeats
  // a few price sets), and times as epoch milliseconds: parsing jsonb and timestamp text per
  // row was most of the insert's cost on PGlite.
  private async write(batch: StreamedEntry[]): Promise<void> {
    const entries = batch.map((b) => b.entry);
    const column = (pick: (e: LedgerEntry) => string | number | boolean | null | undefined) =>
      sql.param(
        entries.map((e) => {
          const v = pick(e);
          return v === null || v === undefined ? null : String(v);
        }),
      );
    const prices = new DistinctJson();
    const meta = new DistinctJson();
    const priceIndex = column((e) => prices.indexOf(e.prices));
    const metaIndex = column((e) => meta.indexOf(e.meta));
    await this.database.db.execute(sql`
      with r as (
        select distinct on (event_id) * from unnest(
          ${column((e) => e.eventId)}::text[],
          ${column((e) => e.kind)}::text[],
          ${column((e) => e.userId)}::text[],
          ${column((e) => e.keyId)}::text[],
          ${column((e) => e.amountMicro)}::text[]::bigint[],
          ${column((e) => e.modelId)}::text[],
          ${column((e) => e.inputTokens)}::text[]::int[],
          ${column((e) => e.outputTokens)}::text[]::int[],
          ${column((e) => e.cacheReadTokens)}::text[]::int[],
          ${column((e) => e.cacheWriteTokens)}::text[]::int[],
          ${column((e) => e.reasoningTokens)}::text[]::int[],
          ${priceIndex}::text[]::int[],
          ${column((e) => e.catalogVersion)}::text[]::int[],
          ${column((e) => e.estimated)}::text[]::bool[],
          ${column((e) => e.status)}::text[],
          ${metaIndex}::text[]::int[],
          ${column((e) => e.createdAtMs)}::text[]::bigint[])
          as u(event_id, kind, user_id, key_id, amount_micro, model_id,
            input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
            price_index, catalog_version, estimated, status, meta_index, created_ms)
      ),
      claimed as (
        insert into ledger_events (event_id) select event_id from r
        on conflict (event_id) do nothing
        returning event_id
      ),
      ins as (
        insert into ledger (event_id, kind, user_id, key_id, amount_micro, model_id,
          input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
          prices, catalog_version, estimated, status, meta, created_at)
        select r.event_id, r.kind, r.user_id, r.key_id, r.amount_micro, r.model_id,
          r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_write_tokens, r.reasoning_tokens,
          (${sql.param(prices.values)}::text[]::jsonb[])[r.price_index], r.catalog_version, r.estimated, r.status,
          (${sql.param(meta.values)}::text[]::jsonb[])[r.meta_index],
          timestamptz 'epoch' + r.created_ms * interval '1 millisecond'
        from r join claimed using (event_id)
        returning user_id, amount_micro
      )
      update users set balance_micro = users.balance_micro + d.delta
      from (select user_id, sum(amount_micro)::bigint as delta from ins group by user_id) d
      where users.id = d.user_id`);
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

/** Distinct JSON texts of a batch, numbered from 1 (Postgres arrays); null stays null. */
class DistinctJson {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();

  indexOf(value: object | null | undefined): number | null {
    if (!value) return null;
    const text = JSON.stringify(value);
    let i = this.index.get(text);
    if (i === undefined) {
      this.values.push(text);
      i = this.values.length;
      this.index.set(text, i);
    }
    return i;
  }
}
