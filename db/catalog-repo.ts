import type { Executor } from "./client.ts";
import type { CatalogRows } from "../src/routing/catalog.ts";
import type { ProviderKeyBox } from "./provider-keys.ts";

/** Reads the catalog; provider keys stored through the admin API are decrypted when `box` is given. */
export async function readCatalogRows(db: Executor, box?: ProviderKeyBox): Promise<CatalogRows> {
  const [models, deployments, providers] = await Promise.all([
    db.rows<CatalogRows["models"][number]>(
      `select id, display_name, class, context_window, max_output, input_price::text, output_price::text,
              cache_read_price::text, cache_write_price::text, flags, status, version, created_at
         from models order by id`,
    ),
    db.rows<CatalogRows["deployments"][number]>(
      "select id, model_id, provider_id, upstream_model, priority, weight from deployments",
    ),
    db.rows<{ id: string; kind: string; base_url: string; api_key_enc: string | null }>("select id, kind, base_url, api_key_enc from providers"),
  ]);
  return {
    models,
    deployments,
    providers: providers.map((p) => {
      let apiKey: string | null = null;
      if (p.api_key_enc && box) {
        apiKey = box.open(p.api_key_enc, p.id);
        // A key sealed under another secret must not take a provider down silently.
        if (apiKey === null) console.error(`[sluice] provider ${p.id}: stored API key cannot be decrypted with PROVIDER_KEY_SECRET`);
      }
      return { id: p.id, kind: p.kind, base_url: p.base_url, api_key: apiKey };
    }),
  };
}
