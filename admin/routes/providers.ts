// Upstream providers. API keys go in, never out: they are sealed with AES-256-GCM before
// they reach the database and the audit log, and no response carries them.
import { Elysia, t } from "elysia";
import { listProviders, providerView, upsertProvider } from "../../db/models-admin.ts";
import { isProviderKind } from "../../src/providers/index.ts";
import { CATALOG_CHANNEL } from "../../src/store/keys.ts";
import { actorOf, AdminError, type AdminDeps } from "../context.ts";

export function providerRoutes(deps: AdminDeps) {
  const save = async (request: Request, input: { id: string; kind?: string; baseUrl?: string; apiKey?: string | null }) => {
    if (!deps.providerKeys) throw new AdminError(503, "Provider key storage is not configured.");
    if (input.kind !== undefined && !isProviderKind(input.kind)) throw new AdminError(400, `kind: unknown provider kind "${input.kind}".`);
    const r = await upsertProvider(deps.database, deps.providerKeys, input, actorOf(request));
    if (!r) throw new AdminError(400, "kind and base_url are required for a new provider.");
    await deps.store.publish(CATALOG_CHANNEL, JSON.stringify({ provider: input.id }));
    return r;
  };
  const BaseUrl = t.String({ pattern: "^https?://", description: "OpenAI-shaped kinds include the version (…/v1); anthropic and gemini do not" });
  return new Elysia()
    .get("/providers", async () => ({ data: (await listProviders(deps.database)).map(providerView) }), {
      detail: { summary: "List upstream providers (keys are never returned)", tags: ["Catalog"] },
    })
    .post(
      "/providers",
      async ({ body, set, request }) => {
        const r = await save(request, { id: body.id, kind: body.kind, baseUrl: body.base_url.replace(/\/+$/, ""), apiKey: body.api_key });
        set.status = r.created ? 201 : 200;
        return providerView(r.row);
      },
      {
        body: t.Object({
          id: t.String({ minLength: 1, maxLength: 64, pattern: "^[a-z0-9_-]+$" }),
          kind: t.String({ description: "openai | anthropic | gemini | openai-compatible" }),
          base_url: BaseUrl,
          api_key: t.Optional(t.String({ minLength: 1 })),
        }),
        detail: { summary: "Create or replace a provider; the API key is stored encrypted", tags: ["Catalog"] },
      },
    )
    .patch(
      "/providers/:id",
      async ({ params, body, request }) => {
        if (!(await listProviders(deps.database)).some((p) => p.id === params.id)) throw new AdminError(404, `No provider ${params.id}.`);
        const r = await save(request, { id: params.id, kind: body.kind, baseUrl: body.base_url?.replace(/\/+$/, ""), apiKey: body.api_key });
        return providerView(r.row);
      },
      {
        params: t.Object({ id: t.String() }),
        body: t.Object({ kind: t.Optional(t.String()), base_url: t.Optional(BaseUrl), api_key: t.Optional(t.Union([t.String({ minLength: 1 }), t.Null()])) }),
        detail: { summary: "Change a provider's kind, base URL or key (null removes the stored key)", tags: ["Catalog"] },
      },
    );
}
