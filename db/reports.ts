// Read-only reports for the admin API: usage from the ledger, and the audit trail. Usage
// counts only rows the flusher has written (a second or so behind the hot path).
import type { Database } from "./client.ts";

export type UsageGroup = "day" | "model" | "key" | "user";

const GROUP_EXPR: Record<UsageGroup, string> = {
  day: "to_char(created_at at time zone $TZ, 'YYYY-MM-DD')",
  model: "coalesce(model_id, '')",
  key: "coalesce(key_id, '')",
  user: "user_id",
};

export interface UsageFilter {
  groupBy: UsageGroup;
  from: Date;
  to: Date;
  /** IANA zone for day buckets. */
  tz: string;
  userId?: string;
  keyId?: string;
  modelId?: string;
}

interface UsageSums {
  requests: number;
  input_tokens: string;
  output_tokens: string;
  cache_read_tokens: string;
  cache_write_tokens: string;
  reasoning_tokens: string;
  cost_micro: string;
}

export interface UsageRow {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_micro: number;
}

const SUMS = `count(*)::int as requests,
  coalesce(sum(input_tokens), 0)::text as input_tokens,
  coalesce(sum(output_tokens), 0)::text as output_tokens,
  coalesce(sum(cache_read_tokens), 0)::text as cache_read_tokens,
  coalesce(sum(cache_write_tokens), 0)::text as cache_write_tokens,
  coalesce(sum(reasoning_tokens), 0)::text as reasoning_tokens,
  coalesce(-sum(amount_micro), 0)::text as cost_micro`;

function sums(r: UsageSums): UsageRow {
  return {
    requests: r.requests,
    input_tokens: Number(r.input_tokens),
    output_tokens: Number(r.output_tokens),
    cache_read_tokens: Number(r.cache_read_tokens),
    cache_write_tokens: Number(r.cache_write_tokens),
    reasoning_tokens: Number(r.reasoning_tokens),
    cost_micro: Number(r.cost_micro),
  };
}

export async function usageReport(database: Database, f: UsageFilter): Promise<{ rows: (UsageRow & { key: string })[]; totals: UsageRow }> {
  const params: unknown[] = [f.from.toISOString(), f.to.toISOString()];
  const where = ["kind = 'usage'", "created_at >= $1", "created_at < $2"];
  const add = (col: string, v: string | undefined) => {
    if (v === undefined) return;
    params.push(v);
    where.push(`${col} = $${params.length}`);
  };
  add("user_id", f.userId);
  add("key_id", f.keyId);
  add("model_id", f.modelId);
  const filter = where.join(" and ");
  const totals = sums((await database.rows<UsageSums>(`select ${SUMS} from ledger where ${filter}`, params))[0]!);
  let group = GROUP_EXPR[f.groupBy];
  const groupParams = [...params];
  if (group.includes("$TZ")) {
    groupParams.push(f.tz);
    group = group.replace("$TZ", `$${groupParams.length}`);
  }
  const rows = await database.rows<UsageSums & { key: string }>(
    `select ${group} as key, ${SUMS} from ledger where ${filter} group by 1 order by 1`,
    groupParams,
  );
  return { rows: rows.map((r) => ({ key: r.key, ...sums(r) })), totals };
}

export interface AuditEntry {
  id: string;
  actor: string;
  action: string;
  target: string | null;
  before: unknown;
  after: unknown;
  at: Date | string;
}

export async function listAudit(
  database: Database,
  f: { target?: string; action?: string; actor?: string; beforeId?: number; limit: number },
): Promise<AuditEntry[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  const add = (sqlText: (n: number) => string, v: unknown) => {
    params.push(v);
    where.push(sqlText(params.length));
  };
  if (f.target !== undefined) add((n) => `target = $${n}`, f.target);
  if (f.action !== undefined) add((n) => `action like $${n}`, f.action.replace(/[\\%_]/g, (c) => "\\" + c) + "%");
  if (f.actor !== undefined) add((n) => `actor = $${n}`, f.actor);
  if (f.beforeId !== undefined) add((n) => `id < $${n}`, f.beforeId);
  params.push(f.limit);
  return database.rows<AuditEntry>(
    `select id::text as id, actor, action, target, before, after, at from audit_log ${where.length ? "where " + where.join(" and ") : ""} order by id desc limit $${params.length}`,
    params,
  );
}
