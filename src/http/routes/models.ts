// GET /v1/models: OpenAI list shape by default, Anthropic's when the caller looks like an
// Anthropic client (anthropic-version or x-api-key header, or Claude Code's user agent).
import { Elysia } from "elysia";
import type { Catalog, CatalogModel } from "../../routing/catalog.ts";
import { microToCredits } from "../../metering/money.ts";
import type { KeyAuthenticator } from "../auth.ts";
import { GatewayError } from "../errors.ts";

export function looksLikeAnthropicClient(headers: Headers): boolean {
  if (headers.get("anthropic-version") || headers.get("x-api-key")) return true;
  const ua = headers.get("user-agent") ?? "";
  return /claude-cli|claude-code|claude code/i.test(ua);
}

function extras(m: CatalogModel) {
  return {
    class: m.class,
    context_window: m.contextWindow,
    max_output_tokens: m.maxOutput,
    pricing: {
      unit: "credits per 1M tokens",
      input: Number(microToCredits(m.prices.input)),
      output: Number(microToCredits(m.prices.output)),
      cache_read: Number(microToCredits(m.prices.cacheRead)),
      cache_write: Number(microToCredits(m.prices.cacheWrite)),
    },
    flags: [...m.flags],
  };
}

export function modelRoutes(deps: { catalog(): Catalog; auth: KeyAuthenticator }) {
  return new Elysia({ name: "models" }).get(
    "/v1/models",
    async ({ request }) => {
      if (!(await deps.auth.authenticate(request.headers))) {
        throw new GatewayError("authentication", "Missing or invalid API key.", { code: "invalid_api_key" });
      }
      const models = deps.catalog().listActive();
      if (looksLikeAnthropicClient(request.headers)) {
        const data = models.map((m) => ({
          type: "model" as const,
          id: m.id,
          display_name: m.displayName,
          created_at: m.createdAt.toISOString(),
          max_input_tokens: m.contextWindow,
          max_tokens: m.maxOutput,
          ...extras(m),
        }));
        return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
      }
      return {
        object: "list" as const,
        data: models.map((m) => ({
          id: m.id,
          object: "model" as const,
          created: Math.floor(m.createdAt.getTime() / 1000),
          owned_by: "sluice",
          ...extras(m),
        })),
      };
    },
    { detail: { summary: "List available models", tags: ["Discovery"] } },
  );
}
