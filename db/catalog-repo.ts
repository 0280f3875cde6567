import type { Executor } from "./client.ts";
import type { CatalogRows } from "../src/routing/catalog.ts";

export async function readCatalogRows(db: Executor): Promise<CatalogRows> {
  const [models, deployments, providers] = await Promise.all([
    db.rows<CatalogRows["models"][number]>(
      `select id, display_name, class, context_window, max_output, input_price::text, output_price::text,
              cache_read_price::text, cache_write_price::text, flags, status, version, created_at
         from models order by id`,
    ),
    db.rows<CatalogRows["deployments"][number]>(
      "select id, model_id, provider_id, upstream_model, priority, weight from deployments",
    ),
    // Provider keys come from the environment until encrypted storage lands (api_key_enc).
    db.rows<CatalogRows["providers"][number]>("select id, kind, base_url, null as api_key from providers"),
  ]);
  return { models, deployments, providers };
}
