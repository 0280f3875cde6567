// Seeds the default catalog into an empty database. Runs at every start and touches only
// rows that do not exist yet, so operators' price edits survive restarts.
import type { Executor } from "./client.ts";
import { CACHE_READ_RATIO, CACHE_WRITE_RATIO, DEFAULT_MODELS, DEFAULT_PROVIDERS } from "./default-catalog.ts";
import { MICRO_PER_CREDIT } from "../src/metering/money.ts";

export async function seedCatalog(tx: Executor): Promise<void> {
  for (const p of DEFAULT_PROVIDERS) {
    await tx.rows("insert into providers (id, kind, base_url) values ($1, $2, $3) on conflict (id) do nothing", [
      p.id,
      p.kind,
      p.baseUrl,
    ]);
  }
  for (const m of DEFAULT_MODELS) {
    const input = BigInt(m.input) * MICRO_PER_CREDIT;
    const output = BigInt(m.output) * MICRO_PER_CREDIT;
    const cacheRead = (input * CACHE_READ_RATIO.num) / CACHE_READ_RATIO.den;
    const cacheWrite = (input * CACHE_WRITE_RATIO.num) / CACHE_WRITE_RATIO.den;
    await tx.rows(
      `insert into models (id, display_name, class, context_window, max_output, input_price, output_price,
         cache_read_price, cache_write_price, flags)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict (id) do nothing`,
      [m.id, m.displayName, m.class, m.contextWindow, m.maxOutput, input.toString(), output.toString(),
        cacheRead.toString(), cacheWrite.toString(), JSON.stringify(m.flags)],
    );
    await tx.rows(
      `insert into deployments (id, model_id, provider_id, upstream_model) values ($1, $2, $3, $4)
       on conflict (id) do nothing`,
      [`${m.id}@${m.provider}`, m.id, m.provider, m.upstreamModel],
    );
  }
  // A model's price history starts with the prices it was created at, so that the ledger rows
  // of version 1 can be traced to a price like every later version's.
  await tx.rows(
    `insert into model_price_history (model_id, version, input_price, output_price, cache_read_price,
       cache_write_price, flags, status, actor, changed_at)
     select m.id, m.version, m.input_price, m.output_price, m.cache_read_price, m.cache_write_price,
       m.flags, m.status, 'seed', m.created_at
     from models m
     where not exists (select 1 from model_price_history h where h.model_id = m.id)`,
  );
}
