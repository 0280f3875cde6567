// The count_tokens route on its own, with injected upstream counters: the Gemini call shape
// (generateContentRequest for the Developer API), and every way an upstream count can fail
// over to the local one.
import { beforeEach, describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { loadConfig } from "../../src/config.ts";
import { KeyAuthenticator } from "../../src/http/auth.ts";
import { geminiCounter, type GeminiTranslate, type UpstreamCounter } from "../../src/http/count-tokens.ts";
import { errorResponse, GatewayError } from "../../src/http/errors.ts";
import { countTokensRoutes } from "../../src/http/routes/count-tokens.ts";
import { countRequestTokens } from "../../src/metering/tokenizer.ts";
import { TranslationError } from "../../src/protocols/translate/types.ts";
import { adapterFor, type ProviderAdapter, type ProviderConfig } from "../../src/providers/index.ts";
import { Catalog, type CatalogModel } from "../../src/routing/catalog.ts";
import { hashApiKey } from "../../src/store/keys.ts";
import { MemoryHotStore } from "../../src/store/memory/memory-store.ts";

const KEY = "sk-count-test";
const provider: ProviderConfig = { id: "gemini", kind: "gemini", baseUrl: "http://gemini.upstream.test", apiKey: "AIza-test-key" };
const model: CatalogModel = {
  id: "gemini-x",
  displayName: "Gemini X",
  class: "fast",
  contextWindow: 1_000_000,
  maxOutput: 65_536,
  prices: { input: 6_000_000n, output: 24_000_000n, cacheRead: 0n, cacheWrite: 0n },
  flags: new Set(["reasoning", "vision"]),
  status: "active",
  version: 1,
  createdAt: new Date(0),
  deployments: [{ id: "d1", provider, upstreamModel: "gemini-x-preview", priority: 1, weight: 1 }],
};

let catalogModels: CatalogModel[] = [model];

const fakeAdapter: ProviderAdapter = {
  kind: "gemini",
  protocol: "gemini",
  buildCall: (p, body) => ({ url: "unused", headers: { "content-type": "application/json", "x-goog-api-key": p.apiKey ?? "" }, body: JSON.stringify(body) }),
};

const translate: GeminiTranslate = (body) => ({
  systemInstruction: { parts: [{ text: String(body.system) }] },
  contents: [{ role: "user", parts: [{ text: "hello" }] }],
  tools: [{ functionDeclarations: [{ name: "f" }] }],
  generationConfig: { maxOutputTokens: 10 },
});

interface Sent {
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

let sent: Sent[];
let answer: () => Promise<Response>;

const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
  sent.push({ url: String(input), headers: init?.headers as Record<string, string>, body: JSON.parse(String(init?.body)) });
  return answer();
}) as typeof fetch;

/** The route with `counter` for Gemini, or with the default counters when none is given. */
async function app(counter?: UpstreamCounter) {
  const store = new MemoryHotStore();
  await store.putKey(hashApiKey(KEY), {
    keyId: "k1",
    userId: "u1",
    status: "active",
    allowedModels: null,
    limits: { rpm: 0, concurrency: 0, spendCapMicro: 0n, spendWindowSeconds: 0 },
  });
  const catalog = new Catalog(catalogModels);
  return new Elysia()
    .onError(({ error }) => (error instanceof GatewayError ? errorResponse("anthropic", error, "req_test") : undefined))
    .use(
      countTokensRoutes({
        config: loadConfig({}),
        catalog: () => catalog,
        store,
        auth: new KeyAuthenticator(store),
        fetch: fakeFetch,
        ...(counter ? { upstreamCounters: { gemini: counter } } : {}),
      }),
    );
}

const body = { model: "gemini-x", system: "Be brief.", messages: [{ role: "user", content: "hello" }] };

async function count(a: Awaited<ReturnType<typeof app>>, sentBody: Record<string, unknown> = body): Promise<{ status: number; json: Record<string, unknown>; source: string | null }> {
  const res = await a.handle(
    new Request("http://localhost/v1/messages/count_tokens", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": KEY },
      body: JSON.stringify(sentBody),
    }),
  );
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, source: res.headers.get("x-sluice-token-count") };
}

beforeEach(() => {
  sent = [];
  answer = async () => Response.json({ totalTokens: 321 });
});

describe("Gemini countTokens", () => {
  test("posts generateContentRequest (system, tools, contents; no generation knobs) with the adapter's headers", async () => {
    const r = await count(await app(geminiCounter(translate, fakeAdapter)));
    expect(r).toEqual({ status: 200, json: { input_tokens: 321 }, source: "upstream" });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe("http://gemini.upstream.test/v1beta/models/gemini-x-preview:countTokens");
    expect(sent[0]!.headers["x-goog-api-key"]).toBe("AIza-test-key");
    expect(sent[0]!.body).toEqual({
      generateContentRequest: {
        model: "models/gemini-x-preview",
        systemInstruction: { parts: [{ text: "Be brief." }] },
        contents: [{ role: "user", parts: [{ text: "hello" }] }],
        tools: [{ functionDeclarations: [{ name: "f" }] }],
      },
    });
  });

  test("a plain conversation goes as {contents}, the form Google's SDK sends", async () => {
    const plain: GeminiTranslate = () => ({ contents: [{ role: "user", parts: [{ text: "hello" }] }], generationConfig: {} });
    const r = await count(await app(geminiCounter(plain, fakeAdapter)));
    expect(r.source).toBe("upstream");
    expect(sent[0]!.body).toEqual({ contents: [{ role: "user", parts: [{ text: "hello" }] }] });
  });

  test("a catalog id written as a resource name ('models/x') is not doubled", async () => {
    const named: CatalogModel = { ...model, deployments: [{ ...model.deployments[0]!, upstreamModel: "models/gemini-x-preview" }] };
    catalogModels = [named];
    try {
      await count(await app(geminiCounter(translate, fakeAdapter)));
    } finally {
      catalogModels = [model];
    }
    expect(sent[0]!.url).toBe("http://gemini.upstream.test/v1beta/models/gemini-x-preview:countTokens");
    expect((sent[0]!.body as { generateContentRequest: { model: string } }).generateContentRequest.model).toBe("models/gemini-x-preview");
  });

  test("a request the translation cannot carry is a 400, as on /v1/messages", async () => {
    const refusing: GeminiTranslate = () => {
      throw new TranslationError("messages[0].content[0]", "Audio blocks are not supported.");
    };
    const r = await count(await app(geminiCounter(refusing, fakeAdapter)));
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: "Audio blocks are not supported." } });
    expect(sent).toHaveLength(0);
  });
});

describe("falling back to the local count", () => {
  const local = countRequestTokens(body).total;
  const cases: [string, () => Promise<Response>][] = [
    ["network error", async () => Promise.reject(new TypeError("connection refused"))],
    ["5xx", async () => new Response("{}", { status: 503 })],
    ["429", async () => new Response("{}", { status: 429 })],
    ["401 (the gateway's own key is wrong)", async () => new Response("{}", { status: 401 })],
    ["an answer without a count", async () => Response.json({ something: "else" })],
    ["an answer that is not JSON", async () => new Response("<html>", { status: 200 })],
    ["a negative count", async () => Response.json({ totalTokens: -1 })],
  ];
  test.each(cases)("%s", async (_name, reply) => {
    answer = reply;
    const r = await count(await app(geminiCounter(translate, fakeAdapter)));
    expect(r).toEqual({ status: 200, json: { input_tokens: local }, source: "local" });
    expect(sent).toHaveLength(1);
  });

  test("an upstream 400 is relayed, not replaced", async () => {
    answer = async () => Response.json({ error: { code: 400, message: "Request contains an invalid argument." } }, { status: 400 });
    const r = await count(await app(geminiCounter(translate, fakeAdapter)));
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: { type: "invalid_request_error", message: "Request contains an invalid argument." } });
  });
});

// The default resolution finds the Gemini adapter (providers/index.ts) and the
// messages-over-gemini translator at run time; both are written alongside this endpoint.
const translatorPresent = await Bun.file(new URL("../../src/protocols/translate/messages-over-gemini/request.ts", import.meta.url)).exists();
describe.skipIf(!adapterFor("gemini") || !translatorPresent)("default counters with the real Gemini adapter and translator", () => {
  test("a Gemini model is counted by Gemini, with the gateway's key and the translated conversation", async () => {
    const r = await count(await app());
    expect(r).toEqual({ status: 200, json: { input_tokens: 321 }, source: "upstream" });
    expect(sent[0]!.url).toBe("http://gemini.upstream.test/v1beta/models/gemini-x-preview:countTokens");
    expect(sent[0]!.headers["x-goog-api-key"]).toBe("AIza-test-key");
    expect(sent[0]!.body).toMatchObject({
      generateContentRequest: {
        model: "models/gemini-x-preview",
        systemInstruction: { parts: [{ text: "Be brief." }] },
        contents: [{ role: "user", parts: [{ text: "hello" }] }],
      },
    });
  });
});
