// Catalog administration: models (prices in micro-credits per 1M tokens, versioned with a
// price history row per change), deployments and providers. Every write is audited; the
// caller announces the change on CATALOG_CHANNEL once it has committed.
import { asc, eq } from "drizzle-orm";
import type { Database } from "./client.ts";
import { deployments, modelPriceHistory, models, providers } from "./schema.ts";
import { writeAudit, type Tx } from "./tx.ts";
import type { ProviderKeyBox } from "./provider-keys.ts";

export type ModelRow = typeof models.$inferSelect;
export type DeploymentRow = typeof deployments.$inferSelect;
export type ProviderRow = typeof providers.$inferSelect;

export async function listModels(database: Database): Promise<ModelRow[]> {
  return database.db.select().from(models).orderBy(asc(models.id));
}

export async function getModel(database: Database, id: string): Promise<ModelRow | null> {
  return (await database.db.select().from(models).where(eq(models.id, id)).limit(1))[0] ?? null;
}

async function recordPrices(tx: Tx, m: ModelRow, actor: string): Promise<void> {
  await tx.insert(modelPriceHistory).values({
    modelId: m.id,
    version: m.version,
    inputPrice: m.inputPrice,
    outputPrice: m.outputPrice,
    cacheReadPrice: m.cacheReadPrice,
    cacheWritePrice: m.cacheWritePrice,
    flags: m.flags,
    status: m.status,
    actor,
  });
}

export async function createModel(database: Database, row: typeof models.$inferInsert, actor: string): Promise<ModelRow | null> {
  return database.db.transaction(async (tx) => {
    const created = (await tx.insert(models).values({ ...row, version: 1 }).onConflictDoNothing({ target: models.id }).returning())[0];
    if (!created) return null;
    await recordPrices(tx, created, actor);
    await writeAudit(tx, { actor, action: "model.create", target: `model:${created.id}`, after: created });
    return created;
  });
}

export type ModelPatch = Partial<Pick<ModelRow, "inputPrice" | "outputPrice" | "cacheReadPrice" | "cacheWritePrice" | "flags" | "status" | "displayName" | "contextWindow" | "maxOutput">>;

/** Applies a patch, bumps the version (ledger rows cite it) and records the new prices. */
export async function updateModel(database: Database, id: string, patch: ModelPatch, actor: string): Promise<ModelRow | null> {
  return database.db.transaction(async (tx) => {
    const before = (await tx.select().from(models).where(eq(models.id, id)).for("update").limit(1))[0];
    if (!before) return null;
    const after = (await tx.update(models).set({ ...patch, version: before.version + 1 }).where(eq(models.id, id)).returning())[0]!;
    await recordPrices(tx, after, actor);
    await writeAudit(tx, { actor, action: "model.update", target: `model:${id}`, before, after });
    return after;
  });
}

export async function priceHistory(database: Database, modelId: string) {
  return database.db.select().from(modelPriceHistory).where(eq(modelPriceHistory.modelId, modelId)).orderBy(asc(modelPriceHistory.id));
}

export async function listDeployments(database: Database, modelId?: string): Promise<DeploymentRow[]> {
  const q = database.db.select().from(deployments);
  return (modelId ? q.where(eq(deployments.modelId, modelId)) : q).orderBy(asc(deployments.modelId), asc(deployments.id));
}

export async function createDeployment(database: Database, row: typeof deployments.$inferInsert, actor: string): Promise<DeploymentRow | null> {
  return database.db.transaction(async (tx) => {
    const created = (await tx.insert(deployments).values(row).onConflictDoNothing({ target: deployments.id }).returning())[0];
    if (!created) return null;
    await writeAudit(tx, { actor, action: "deployment.create", target: `deployment:${created.id}`, after: created });
    return created;
  });
}

export async function updateDeployment(
  database: Database,
  id: string,
  patch: Partial<Pick<DeploymentRow, "upstreamModel" | "priority" | "weight" | "providerId">>,
  actor: string,
): Promise<DeploymentRow | null> {
  return database.db.transaction(async (tx) => {
    const before = (await tx.select().from(deployments).where(eq(deployments.id, id)).for("update").limit(1))[0];
    if (!before) return null;
    const after = (await tx.update(deployments).set(patch).where(eq(deployments.id, id)).returning())[0]!;
    await writeAudit(tx, { actor, action: "deployment.update", target: `deployment:${id}`, before, after });
    return after;
  });
}

export async function deleteDeployment(database: Database, id: string, actor: string): Promise<boolean> {
  return database.db.transaction(async (tx) => {
    const gone = (await tx.delete(deployments).where(eq(deployments.id, id)).returning())[0];
    if (!gone) return false;
    await writeAudit(tx, { actor, action: "deployment.delete", target: `deployment:${id}`, before: gone });
    return true;
  });
}

/** What may leave the server about a provider: never the key, only whether one is stored. */
export function providerView(p: ProviderRow) {
  return { id: p.id, kind: p.kind, base_url: p.baseUrl, has_api_key: p.apiKeyEnc !== null, created_at: p.createdAt.toISOString() };
}

export async function listProviders(database: Database): Promise<ProviderRow[]> {
  return database.db.select().from(providers).orderBy(asc(providers.id));
}

/** Creates or updates a provider; the key is sealed before it reaches the database or the audit log. */
export async function upsertProvider(
  database: Database,
  box: ProviderKeyBox,
  input: { id: string; kind?: string; baseUrl?: string; apiKey?: string | null },
  actor: string,
): Promise<{ row: ProviderRow; created: boolean } | null> {
  return database.db.transaction(async (tx) => {
    const before = (await tx.select().from(providers).where(eq(providers.id, input.id)).for("update").limit(1))[0];
    const apiKeyEnc = input.apiKey === undefined ? undefined : input.apiKey === null ? null : box.seal(input.apiKey, input.id);
    let row: ProviderRow;
    if (!before) {
      if (!input.kind || !input.baseUrl) return null;
      row = (await tx.insert(providers).values({ id: input.id, kind: input.kind, baseUrl: input.baseUrl, apiKeyEnc: apiKeyEnc ?? null }).returning())[0]!;
    } else {
      const patch: Partial<ProviderRow> = {};
      if (input.kind !== undefined) patch.kind = input.kind;
      if (input.baseUrl !== undefined) patch.baseUrl = input.baseUrl;
      if (apiKeyEnc !== undefined) patch.apiKeyEnc = apiKeyEnc;
      row = (await tx.update(providers).set(patch).where(eq(providers.id, input.id)).returning())[0]!;
    }
    await writeAudit(tx, {
      actor,
      action: before ? "provider.update" : "provider.create",
      target: `provider:${input.id}`,
      before: before ? providerView(before) : undefined,
      after: { ...providerView(row), api_key_changed: input.apiKey !== undefined },
    });
    return { row, created: !before };
  });
}
