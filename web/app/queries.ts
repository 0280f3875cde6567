// Read-only views of one user's ledger that db/reports.ts does not offer: when each key was
// last used and the latest requests. Like the reports they read flushed rows only (a second
// or so behind), from Postgres, never on the request path.
import type { Database } from "../../db/client.ts";

export async function keysLastUsed(database: Database, userId: string): Promise<Map<string, Date>> {
  // Per key, the newest row through ledger_key_created_idx: a heavy user's millions of usage
  // rows are not read to find a handful of dates.
  const rows = await database.rows<{ key_id: string; at: Date | string }>(
    `select k.id as key_id, l.at from api_keys k
       cross join lateral (
         select created_at as at from ledger where key_id = k.id and kind = 'usage' order by created_at desc limit 1
       ) l
      where k.user_id = $1`,
    [userId],
  );
  return new Map(rows.map((r) => [r.key_id, new Date(r.at)]));
}

export interface RecentRequest {
  requestId: string;
  keyId: string | null;
  modelId: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costMicro: bigint;
  status: string;
  estimated: boolean;
  at: Date;
}

interface Row {
  event_id: string;
  key_id: string | null;
  model_id: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_micro: string;
  status: string;
  estimated: boolean;
  created_at: Date | string;
}

export async function recentRequests(database: Database, userId: string, limit: number): Promise<RecentRequest[]> {
  const rows = await database.rows<Row>(
    `select event_id, key_id, model_id, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
            (-amount_micro)::text as cost_micro, status, estimated, created_at
       from ledger where user_id = $1 and kind = 'usage' order by created_at desc, id desc limit $2`,
    [userId, limit],
  );
  return rows.map((r) => ({
    requestId: r.event_id,
    keyId: r.key_id,
    modelId: r.model_id,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    cacheReadTokens: r.cache_read_tokens,
    cacheWriteTokens: r.cache_write_tokens,
    costMicro: BigInt(r.cost_micro),
    status: r.status,
    estimated: r.estimated,
    at: new Date(r.created_at),
  }));
}
