// Catalog: models (prices in credits per 1M tokens on the wire, micro-credits per 1M in the
// database) and deployments. Each change commits, then is announced on CATALOG_CHANNEL so
// every instance rebuilds its in-memory catalog (pub/sub: well under a second).
import { Elysia, t } from "elysia";
import { CACHE_READ_RATIO, CACHE_WRITE_RATIO } from "../../db/default-catalog.ts";
import {
  createDeployment,
  createModel,
  deleteDeployment,
  getModel,
  listDeployments,
  listModels,
  listProviders,
  priceHistory,
  updateDeployment,
  updateModel,
  type DeploymentRow,
  type ModelPatch,
  type ModelRow,
} from "../../db/models-admin.ts";
import { microToCredits } from "../../src/metering/money.ts";
import { CATALOG_CHANNEL } from "../../src/store/keys.ts";
import { actorOf, AdminError, parseCredits, type AdminDeps } from "../context.ts";

const Price = t.Union([t.Number({ minimum: 0 }), t.String({ pattern: "^\\d+(\\.\\d{1,6})?$" })], { description: "Credits per 1M tokens" });
const Flags = t.Array(t.String({ minLength: 1 }), { description: "Capability flags, e.g. reasoning, vision" });
const Status = t.Union([t.Literal("active"), t.Literal("retired")]);

function credits(micro: bigint): number {
  return Number(microToCredits(micro));
}

function modelView(m: ModelRow) {
  return {
    id: m.id,
    display_name: m.displayName,
    class: m.class,
    context_window: m.contextWindow,
    max_output: m.maxOutput,
    input_price: credits(m.inputPrice),
    output_price: credits(m.outputPrice),
    cache_read_price: credits(m.cacheReadPrice),
    cache_write_price: credits(m.cacheWritePrice),
    prices_micro: {
      input: Number(m.inputPrice),
      output: Number(m.outputPrice),
      cache_read: Number(m.cacheReadPrice),
      cache_write: Number(m.cacheWritePrice),
    },
    flags: m.flags,
    status: m.status,
    version: m.version,
    created_at: m.createdAt.toISOString(),
  };
}

function deploymentView(d: DeploymentRow) {
  return { id: d.id, model_id: d.modelId, provider_id: d.providerId, upstream_model: d.upstreamModel, priority: d.priority, weight: d.weight };
}

export function modelRoutes(deps: AdminDeps) {
  const announce = (what: Record<string, string | number>) => deps.store.publish(CATALOG_CHANNEL, JSON.stringify(what));
  return new Elysia()
    .get("/models", async () => ({ data: (await listModels(deps.database)).map(modelView) }), {
      detail: { summary: "List every model, retired ones included", tags: ["Catalog"] },
    })
    .get(
      "/models/:id",
      async ({ params }) => {
        const m = await getModel(deps.database, params.id);
        if (!m) throw new AdminError(404, `No model ${params.id}.`);
        const history = (await priceHistory(deps.database, m.id)).map((h) => ({
          version: h.version,
          input_price: credits(h.inputPrice),
          output_price: credits(h.outputPrice),
          cache_read_price: credits(h.cacheReadPrice),
          cache_write_price: credits(h.cacheWritePrice),
          flags: h.flags,
          status: h.status,
          actor: h.actor,
          changed_at: h.changedAt.toISOString(),
        }));
        return { ...modelView(m), deployments: (await listDeployments(deps.database, m.id)).map(deploymentView), price_history: history };
      },
      { params: t.Object({ id: t.String() }), detail: { summary: "A model with its deployments and price history", tags: ["Catalog"] } },
    )
    .post(
      "/models",
      async ({ body, set, request }) => {
        const input = parseCredits("input_price", body.input_price, { min: 0n });
        const created = await createModel(
          deps.database,
          {
            id: body.id,
            displayName: body.display_name ?? body.id,
            class: body.class,
            contextWindow: body.context_window,
            maxOutput: body.max_output,
            inputPrice: input,
            outputPrice: parseCredits("output_price", body.output_price, { min: 0n }),
            cacheReadPrice: body.cache_read_price !== undefined ? parseCredits("cache_read_price", body.cache_read_price, { min: 0n }) : (input * CACHE_READ_RATIO.num) / CACHE_READ_RATIO.den,
            cacheWritePrice: body.cache_write_price !== undefined ? parseCredits("cache_write_price", body.cache_write_price, { min: 0n }) : (input * CACHE_WRITE_RATIO.num) / CACHE_WRITE_RATIO.den,
            flags: body.flags ?? [],
            status: body.status ?? "active",
          },
          actorOf(request),
        );
        if (!created) throw new AdminError(409, `Model ${body.id} already exists.`);
        await announce({ model: created.id, version: created.version });
        set.status = 201;
        return modelView(created);
      },
      {
        body: t.Object({
          id: t.String({ minLength: 1, maxLength: 100, pattern: "^[A-Za-z0-9._:/-]+$" }),
          display_name: t.Optional(t.String()),
          class: t.String({ minLength: 1 }),
          context_window: t.Integer({ minimum: 1 }),
          max_output: t.Integer({ minimum: 1 }),
          input_price: Price,
          output_price: Price,
          cache_read_price: t.Optional(Price),
          cache_write_price: t.Optional(Price),
          flags: t.Optional(Flags),
          status: t.Optional(Status),
        }),
        detail: { summary: "Add a model (add a deployment to make it callable)", tags: ["Catalog"] },
      },
    )
    .patch(
      "/models/:id",
      async ({ params, body, request }) => {
        const patch: ModelPatch = {};
        if (body.input_price !== undefined) patch.inputPrice = parseCredits("input_price", body.input_price, { min: 0n });
        if (body.output_price !== undefined) patch.outputPrice = parseCredits("output_price", body.output_price, { min: 0n });
        if (body.cache_read_price !== undefined) patch.cacheReadPrice = parseCredits("cache_read_price", body.cache_read_price, { min: 0n });
        if (body.cache_write_price !== undefined) patch.cacheWritePrice = parseCredits("cache_write_price", body.cache_write_price, { min: 0n });
        if (body.flags !== undefined) patch.flags = body.flags;
        if (body.status !== undefined) patch.status = body.status;
        if (body.display_name !== undefined) patch.displayName = body.display_name;
        if (body.context_window !== undefined) patch.contextWindow = body.context_window;
        if (body.max_output !== undefined) patch.maxOutput = body.max_output;
        if (Object.keys(patch).length === 0) throw new AdminError(400, "body: nothing to change.");
        const updated = await updateModel(deps.database, params.id, patch, actorOf(request));
        if (!updated) throw new AdminError(404, `No model ${params.id}.`);
        await announce({ model: updated.id, version: updated.version });
        return modelView(updated);
      },
      {
        params: t.Object({ id: t.String() }),
        body: t.Object({
          input_price: t.Optional(Price),
          output_price: t.Optional(Price),
          cache_read_price: t.Optional(Price),
          cache_write_price: t.Optional(Price),
          flags: t.Optional(Flags),
          status: t.Optional(Status),
          display_name: t.Optional(t.String({ minLength: 1 })),
          context_window: t.Optional(t.Integer({ minimum: 1 })),
          max_output: t.Optional(t.Integer({ minimum: 1 })),
        }),
        detail: { summary: "Change prices, flags or status (retire = status retired); every instance reloads", tags: ["Catalog"] },
      },
    )
    .get("/deployments", async ({ query }) => ({ data: (await listDeployments(deps.database, query.model_id)).map(deploymentView) }), {
      query: t.Object({ model_id: t.Optional(t.String()) }),
      detail: { summary: "List deployments (model -> provider + upstream model)", tags: ["Catalog"] },
    })
    .post(
      "/deployments",
      async ({ body, set, request }) => {
        if (!(await getModel(deps.database, body.model_id))) throw new AdminError(404, `No model ${body.model_id}.`);
        if (!(await listProviders(deps.database)).some((p) => p.id === body.provider_id)) throw new AdminError(404, `No provider ${body.provider_id}.`);
        const id = body.id ?? `${body.model_id}@${body.provider_id}`;
        const created = await createDeployment(
          deps.database,
          { id, modelId: body.model_id, providerId: body.provider_id, upstreamModel: body.upstream_model, priority: body.priority ?? 0, weight: body.weight ?? 1 },
          actorOf(request),
        );
        if (!created) throw new AdminError(409, `Deployment ${id} already exists.`);
        await announce({ deployment: id });
        set.status = 201;
        return deploymentView(created);
      },
      {
        body: t.Object({
          id: t.Optional(t.String({ minLength: 1 })),
          model_id: t.String({ minLength: 1 }),
          provider_id: t.String({ minLength: 1 }),
          upstream_model: t.String({ minLength: 1 }),
          priority: t.Optional(t.Integer()),
          weight: t.Optional(t.Integer({ minimum: 0 })),
        }),
        detail: { summary: "Route a model to a provider", tags: ["Catalog"] },
      },
    )
    .patch(
      "/deployments/:id",
      async ({ params, body, request }) => {
        const patch: Parameters<typeof updateDeployment>[2] = {};
        if (body.upstream_model !== undefined) patch.upstreamModel = body.upstream_model;
        if (body.priority !== undefined) patch.priority = body.priority;
        if (body.weight !== undefined) patch.weight = body.weight;
        if (Object.keys(patch).length === 0) throw new AdminError(400, "body: nothing to change.");
        const updated = await updateDeployment(deps.database, params.id, patch, actorOf(request));
        if (!updated) throw new AdminError(404, `No deployment ${params.id}.`);
        await announce({ deployment: params.id });
        return deploymentView(updated);
      },
      {
        params: t.Object({ id: t.String() }),
        body: t.Object({ upstream_model: t.Optional(t.String({ minLength: 1 })), priority: t.Optional(t.Integer()), weight: t.Optional(t.Integer({ minimum: 0 })) }),
        detail: { summary: "Change a deployment's upstream model, priority or weight", tags: ["Catalog"] },
      },
    )
    .delete(
      "/deployments/:id",
      async ({ params, request }) => {
        if (!(await deleteDeployment(deps.database, params.id, actorOf(request)))) throw new AdminError(404, `No deployment ${params.id}.`);
        await announce({ deployment: params.id });
        return { id: params.id, deleted: true };
      },
      { params: t.Object({ id: t.String() }), detail: { summary: "Remove a deployment", tags: ["Catalog"] } },
    );
}
