// The catalog lives in memory: every request resolves its model here, never in Postgres.
// It is rebuilt from the database at start and whenever an admin change is announced.
import type { Prices } from "../metering/money.ts";
import { isProviderKind, type ProviderConfig, type ProviderKind } from "../providers/index.ts";
import type { ProviderOverride } from "../config.ts";

export interface Deployment {
  id: string;
  provider: ProviderConfig;
  upstreamModel: string;
  priority: number;
  weight: number;
}

export interface CatalogModel {
  id: string;
  displayName: string;
  class: string;
  contextWindow: number;
  maxOutput: number;
  prices: Prices;
  flags: ReadonlySet<string>;
  status: string;
  version: number;
  createdAt: Date;
  /** Highest priority first. */
  deployments: Deployment[];
}

export interface CatalogRows {
  models: {
    id: string;
    display_name: string;
    class: string;
    context_window: number;
    max_output: number;
    input_price: string | bigint;
    output_price: string | bigint;
    cache_read_price: string | bigint;
    cache_write_price: string | bigint;
    flags: string[] | string;
    status: string;
    version: number;
    created_at: Date | string;
  }[];
  deployments: { id: string; model_id: string; provider_id: string; upstream_model: string; priority: number; weight: number }[];
  providers: { id: string; kind: string; base_url: string; api_key: string | null }[];
}

export class Catalog {
  private readonly byId: Map<string, CatalogModel>;
  /** Sum of model versions: changes whenever any price or flag changes. */
  readonly version: number;

  constructor(models: CatalogModel[]) {
    this.byId = new Map(models.map((m) => [m.id, m]));
    this.version = models.reduce((v, m) => v + m.version, 0);
  }

  get(id: string): CatalogModel | undefined {
    return this.byId.get(id);
  }

  /** Models clients may call, in a stable order (class, then id). */
  listActive(): CatalogModel[] {
    return [...this.byId.values()].filter((m) => m.status === "active");
  }

  static fromRows(rows: CatalogRows, overrides: Record<string, ProviderOverride>): Catalog {
    const providers = new Map<string, ProviderConfig>();
    for (const p of rows.providers) {
      const o = overrides[p.id] ?? {};
      const kind = o.kind ?? p.kind;
      if (!isProviderKind(kind)) throw new Error(`provider ${p.id}: unknown kind "${kind}"`);
      providers.set(p.id, {
        id: p.id,
        kind: kind as ProviderKind,
        baseUrl: (o.baseUrl ?? p.base_url).replace(/\/+$/, ""),
        apiKey: o.apiKey ?? p.api_key ?? undefined,
      });
    }
    const deployments = new Map<string, Deployment[]>();
    for (const d of rows.deployments) {
      const provider = providers.get(d.provider_id);
      if (!provider) continue;
      const list = deployments.get(d.model_id) ?? [];
      list.push({ id: d.id, provider, upstreamModel: d.upstream_model, priority: d.priority, weight: d.weight });
      deployments.set(d.model_id, list);
    }
    const models = rows.models.map((m): CatalogModel => ({
      id: m.id,
      displayName: m.display_name,
      class: m.class,
      contextWindow: m.context_window,
      maxOutput: m.max_output,
      prices: {
        input: BigInt(m.input_price),
        output: BigInt(m.output_price),
        cacheRead: BigInt(m.cache_read_price),
        cacheWrite: BigInt(m.cache_write_price),
      },
      flags: new Set(typeof m.flags === "string" ? (JSON.parse(m.flags) as string[]) : m.flags),
      status: m.status,
      version: m.version,
      createdAt: new Date(m.created_at),
      deployments: (deployments.get(m.id) ?? []).sort((a, b) => b.priority - a.priority),
    }));
    return new Catalog(models);
  }
}
